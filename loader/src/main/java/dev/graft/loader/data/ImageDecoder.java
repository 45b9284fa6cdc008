package dev.graft.loader.data;

import dev.graft.loader.ModelFileException;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes one image file (PNG, JPEG including progressive, grayscale and CMYK through the
 * TwelveMonkeys plug-in, BMP, GIF: the first frame) and brings it to the stored form: RGB or
 * grayscale, optionally centre-cropped to the target's aspect ratio, resized, rounded to bytes.
 * Grayscale images are read from their raster (Java's {@code getRGB} would push their values through
 * a colour conversion); colour images through {@code getRGB} (sRGB, alpha dropped); colour to gray is
 * {@code 0.2989 R + 0.5870 G + 0.1140 B} ({@code tf.image.rgb_to_grayscale}).
 */
final class ImageDecoder {

    private final ImageFolders.Options options;

    ImageDecoder(ImageFolders.Options options) {
        this.options = options;
    }

    /** Decodes {@code file} into {@code dst[offset..]} ({@link ImageFolders.Options#rowWidth} bytes). */
    void decodeInto(Path file, byte[] dst, int offset, int[] expectedShape) throws IOException {
        BufferedImage image = read(file);
        int h = image.getHeight();
        int w = image.getWidth();
        int c = options.channels();
        float[] pixels = toFloats(image, c);
        int th = options.height() > 0 ? options.height() : h;
        int tw = options.width() > 0 ? options.width() : w;
        if (options.height() <= 0 && (h != expectedShape[0] || w != expectedShape[1])) {
            throw new ModelFileException(file, "is " + h + "x" + w + " but the first image is " + expectedShape[0] + "x"
                    + expectedShape[1] + "; give an image size (--image-size) to resize them all");
        }
        if (options.cropToAspectRatio() && (long) h * tw != (long) w * th) {
            int[] box = ImageResize.centreCropBox(h, w, th, tw);
            pixels = ImageResize.crop(pixels, w, c, box);
            h = box[2];
            w = box[3];
        }
        if (h != th || w != tw) {
            pixels = ImageResize.resize(pixels, h, w, c, th, tw, options.resize());
        }
        boolean bgr = options.preprocessing().bgr();
        for (int p = 0; p < th * tw; p++) {
            for (int k = 0; k < c; k++) {
                float v = pixels[p * c + (bgr ? c - 1 - k : k)];
                dst[offset + p * c + k] = (byte) Math.max(0, Math.min(255, Math.round(v)));
            }
        }
    }

    /** The image's height and width, read from its header where the reader allows. */
    static int[] shape(Path file) throws IOException {
        BufferedImage image = read(file);
        return new int[] {image.getHeight(), image.getWidth()};
    }

    static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new ModelFileException(file, "is not a readable file");
        }
        try (InputStream in = Files.newInputStream(file); ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            var readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                throw new ModelFileException(file, "is not an image Graft can read (PNG, JPEG, BMP, GIF): no decoder recognises its contents");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(stream, true, true);
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (ModelFileException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFileException(file, "image data", "cannot be decoded (corrupt or truncated?): " + e, e);
        }
    }

    /** The pixels as floats 0..255, {@code channels} per pixel (1: gray, 3: RGB). */
    static float[] toFloats(BufferedImage image, int channels) {
        int h = image.getHeight();
        int w = image.getWidth();
        float[] out = new float[h * w * channels];
        Raster raster = image.getRaster();
        boolean gray = image.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && image.getColorModel().getNumColorComponents() == 1;
        int depth = image.getColorModel().getComponentSize(0);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                float r;
                float g;
                float b;
                if (gray) {
                    int v = raster.getSample(x, y, 0);
                    float value = depth == 8 ? v : Math.round(v * 255f / ((1 << depth) - 1));
                    r = value;
                    g = value;
                    b = value;
                } else {
                    int rgb = image.getRGB(x, y);
                    r = (rgb >> 16) & 0xFF;
                    g = (rgb >> 8) & 0xFF;
                    b = rgb & 0xFF;
                }
                int at = (y * w + x) * channels;
                if (channels == 1) {
                    out[at] = gray ? r : Math.round(0.2989f * r + 0.5870f * g + 0.1140f * b);
                } else {
                    out[at] = r;
                    out[at + 1] = g;
                    out[at + 2] = b;
                }
            }
        }
        return out;
    }
}
