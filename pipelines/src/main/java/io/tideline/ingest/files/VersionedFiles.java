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
 * <em>and its version</em> (modification time and size, as the URI fragment), so that a file
 * rewritten under the same name is a new split, read again: its rows are new deliveries, and the
 * latest-version rule keeps the table right. The fragment is ignored when the file is opened.
 */
public final class VersionedFiles implements FileEnumerator {

    private final NonSplittingRecursiveEnumerator listing;

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
                                u.getPath(),
                                null,
                                "v" + s.fileModificationTime() + "-" + s.fileSize());
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
