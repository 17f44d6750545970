/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.core.fs.Path;

/**
 * The file versions a continuously monitored drop folder has handed out, kept bounded: a version is
 * remembered while the folder lists it, and for {@code retention} after it was last listed. Flink's
 * own enumerator remembers every path for ever, so a folder that receives a file a minute would
 * hold half a million paths in its checkpoint after a year; here the state is the files now in the
 * folder plus those removed (archived, deleted, or rewritten as a new version) within the
 * retention.
 *
 * <p>A version that comes back after it was forgotten is read again, as a new delivery: the key's
 * dedup rule keeps the table right (within the dedup horizon for {@code dedup: first}).
 *
 * <p>The checkpoint stays Flink's {@code PendingSplitsCheckpoint} (so savepoints of the plain file
 * source restore): each path carries the time it was last listed after {@value #SEEN}. A path
 * without it (a savepoint taken before this class) counts as listed at the restore.
 */
final class SeenFiles {

    /** What separates a remembered path from the time it was last listed (epoch millis). */
    static final String SEEN = "@@seen";

    private final long retentionMillis;
    private final Map<Path, Long> lastListed = new HashMap<>();
    private long forgotten;

    SeenFiles(long retentionMillis) {
        this.retentionMillis = retentionMillis;
    }

    /** Restores what a checkpoint remembered, at time {@code now}. */
    void restore(Collection<Path> remembered, long now) {
        for (Path p : remembered) {
            String path = p.toUri().getPath();
            int at = path == null ? -1 : path.lastIndexOf(SEEN);
            if (at < 0) {
                lastListed.put(p, now);
                continue;
            }
            long seen;
            try {
                seen = Long.parseLong(path.substring(at + SEEN.length()));
            } catch (NumberFormatException e) {
                lastListed.put(p, now);
                continue;
            }
            lastListed.put(withPath(p, path.substring(0, at)), seen);
        }
    }

    /**
     * Takes one listing of the folder made at {@code now}: returns the splits not seen before (to
     * read), and forgets the versions not listed for longer than the retention.
     *
     * @return the new splits, in listing order
     */
    List<FileSourceSplit> offer(Collection<FileSourceSplit> listed, long now) {
        List<FileSourceSplit> fresh = new ArrayList<>();
        for (FileSourceSplit s : listed) {
            if (lastListed.put(s.path(), now) == null) {
                fresh.add(s);
            }
        }
        long horizon = now - retentionMillis;
        for (Iterator<Long> it = lastListed.values().iterator(); it.hasNext(); ) {
            if (it.next() < horizon) {
                it.remove();
                forgotten++;
            }
        }
        return fresh;
    }

    /** How many versions were forgotten since this instance started. */
    long forgotten() {
        return forgotten;
    }

    /** How many versions are remembered. */
    int size() {
        return lastListed.size();
    }

    /** The remembered versions, each with the time it was last listed, for a checkpoint. */
    List<Path> checkpoint() {
        List<Path> out = new ArrayList<>(lastListed.size());
        lastListed.forEach((p, seen) -> out.add(withPath(p, p.toUri().getPath() + SEEN + seen)));
        return out;
    }

    private static Path withPath(Path p, String path) {
        URI u = p.toUri();
        try {
            return new Path(new URI(u.getScheme(), u.getAuthority(), path, null, null));
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("Cannot remember the file " + p, e);
        }
    }
}
