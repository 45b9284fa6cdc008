package dev.graft.loader.data;

import dev.graft.data.Dataset;
import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/** Writes test images: a class-folder tree from a 28×28 dataset, a progressive JPEG from the JDK's writer. */
final class ImageFiles {

    private ImageFiles() {
    }

    /** Sample {@code s} of a 28×28 dataset in {@code [0, 1]} as an 8-bit gray image. */
    static BufferedImage gray(Dataset data, int s) {
        float[] row = new float[784];
        data.copyFeatures(s, row, 0);
        BufferedImage image = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = image.getRaster();
        for (int i = 0; i < 784; i++) {
            raster.setSample(i % 28, i / 28, 0, Math.round(row[i] * 255));
        }
        return image;
    }

    /** {@code dir/<names[label]>/<index, 5 digits>.<format>} for every sample. */
    static Path writeTree(Dataset data, Path dir, String[] names, String format) throws IOException {
        for (int s = 0; s < data.size(); s++) {
            Path classDir = Files.createDirectories(dir.resolve(names[data.label(s)]));
            Path file = classDir.resolve(String.format("%05d.%s", s, format));
            if (!ImageIO.write(gray(data, s), format.equals("jpg") ? "jpeg" : format, file.toFile())) {
                throw new IOException("no ImageIO writer for " + format);
            }
        }
        return dir;
    }

    static void writeJpeg(BufferedImage image, Path file, boolean progressive) throws IOException {
        ImageWriter writer = jdkJpegWriter();
        ImageWriteParam param = writer.getDefaultWriteParam();
        if (progressive) {
            param.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
        }
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            writer.write(null, new IIOImage(image, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    private static ImageWriter jdkJpegWriter() {
        var writers = ImageIO.getImageWritersByFormatName("jpeg");
        ImageWriter fallback = null;
        while (writers.hasNext()) {
            ImageWriter w = writers.next();
            if (w.getClass().getName().startsWith("com.sun")) {
                return w;
            }
            fallback = w;
        }
        return fallback;
    }
}
