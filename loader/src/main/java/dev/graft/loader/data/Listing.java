package dev.graft.loader.data;

import dev.graft.loader.ModelFileException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** The image files of a folder in row order, with their class indices (null for a flat folder). */
record Listing(Path root, List<Path> files, int[] labels, List<String> classNames) {

    /** {@code dir/<class>/...}: classes in sorted name order, each class's images in sorted path order. */
    static Listing labelled(Path dir) throws IOException {
        requireDir(dir);
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith("."))
                    .sorted((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString())).toList();
        }
        if (classDirs.size() < 2) {
            throw new ModelFileException(dir, "has " + classDirs.size() + " class subfolder(s); a labelled image folder needs one "
                    + "subfolder per class (at least 2), e.g. photos/cat/*.jpg and photos/dog/*.jpg");
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int k = 0; k < classDirs.size(); k++) {
            names.add(classDirs.get(k).getFileName().toString());
            List<Path> images;
            try (Stream<Path> s = Files.walk(classDirs.get(k))) {
                images = s.filter(Files::isRegularFile).filter(ImageFolders::isImage).sorted().toList();
            }
            for (Path p : images) {
                files.add(p);
                labels.add(k);
            }
        }
        if (files.isEmpty()) {
            throw new ModelFileException(dir, "its class subfolders " + names + " hold no image files (" + ImageFolders.EXTENSIONS + ")");
        }
        return new Listing(dir, List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(), List.copyOf(names));
    }

    /** The images directly in {@code dir}, sorted by name. */
    static Listing flat(Path dir) throws IOException {
        requireDir(dir);
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).filter(ImageFolders::isImage).sorted().toList();
        }
        if (files.isEmpty()) {
            throw new ModelFileException(dir, "holds no image files (" + ImageFolders.EXTENSIONS + ")");
        }
        return new Listing(dir, files, null, List.of());
    }

    private static void requireDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new ModelFileException(dir, "is not a directory of images");
        }
    }
}
