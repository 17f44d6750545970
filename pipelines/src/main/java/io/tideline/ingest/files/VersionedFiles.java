/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.enumerate.FileEnumerator;
import org.apache.flink.connector.file.src.enumerate.NonSplittingRecursiveEnumerator;
import org.apache.flink.core.fs.Path;

/**
 * Lists the drop folder (recursively, files not split) and names each file's split by the file
 * <em>and its version</em> (modification time and size, appended to the path as {@value #MARK}
 * {@code <mtime>-<size>}), so that a file rewritten under the same name is a new split, read again:
 * its rows are new deliveries, and the latest-version rule keeps the table right. Flink's
 * enumerator remembers the paths it has handed out (and checkpoints them as text), so the version
 * survives a restore. {@link #plain} removes it before the file is opened or named.
 */
public final class VersionedFiles implements FileEnumerator {

    /** What separates a split's path from the version of its file. */
    public static final String MARK = "@@v";

    private final NonSplittingRecursiveEnumerator listing;

    /** A split path without its version. */
    public static String plain(String path) {
        int at = path.lastIndexOf(MARK);
        return at < 0 ? path : path.substring(0, at);
    }

    public VersionedFiles(DropFiles files) {
        this.listing = new NonSplittingRecursiveEnumerator(files);
    }

    @Override
    public Collection<FileSourceSplit> enumerateSplits(Path[] paths, int minDesiredSplits)
            throws IOException {
        List<FileSourceSplit> out = new ArrayList<>();
        for (FileSourceSplit s : listing.enumerateSplits(paths, minDesiredSplits)) {
            URI u = s.path().toUri();
            try {
                URI versioned =
                        new URI(
                                u.getScheme(),
                                u.getAuthority(),
                                u.getPath() + MARK + s.fileModificationTime() + "-" + s.fileSize(),
                                null,
                                null);
                out.add(
                        new FileSourceSplit(
                                s.splitId(),
                                new Path(versioned),
                                s.offset(),
                                s.length(),
                                s.fileModificationTime(),
                                s.fileSize()));
            } catch (URISyntaxException e) {
                out.add(s);
            }
        }
        return out;
    }
}
