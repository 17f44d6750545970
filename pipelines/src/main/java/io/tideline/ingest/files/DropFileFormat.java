/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.files;

import io.tideline.ingest.RawRecord;
import java.io.BufferedInputStream;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.util.CheckpointedPosition;
import org.apache.flink.connector.file.src.util.IteratorResultIterator;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a drop file as raw records, one per non-blank line ({@code \n} or {@code \r\n}; a BOM at
 * the start of the file is dropped): a CSV file's first line is its header (carried with each
 * record) unless the source says {@code header: no}, a JSON-lines file has none. Each record knows
 * its file (relative to the drop folder) and line, and the file's modification time as its
 * ingestion time. A {@code .gz} file is read through gzip. Files are not split; the checkpointed
 * position is the number of records already emitted, so a restored reader skips exactly those.
 *
 * <p>Lines are read as bytes, so invalid text reaches validation (and the quarantine) intact. A
 * line longer than {@code max-record-bytes} is not buffered: its first bytes become a {@code
 * TOO_LONG} record (quarantined), the rest is skipped. A file that vanished after it was listed
 * gives one {@code VANISHED_FILE} marker (counted, logged) instead of failing the job.
 */
public final class DropFileFormat implements BulkFormat<RawRecord, FileSourceSplit> {

    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(DropFileFormat.class);
    private static final int BATCH = 500;
    private static final int KEPT_OF_TOO_LONG = 1024;

    private final String source;
    private final String root;
    private final DropFiles files;
    private final boolean headerLine;
    private final int maxRecordBytes;
    private final String charset;

    public DropFileFormat(
            String source,
            String root,
            DropFiles files,
            boolean headerLine,
            int maxRecordBytes,
            String charset) {
        this.source = source;
        this.root = new Path(root).toUri().getPath();
        this.files = files;
        this.headerLine = headerLine;
        this.maxRecordBytes = maxRecordBytes;
        this.charset = charset;
    }

    @Override
    public Reader<RawRecord> createReader(Configuration config, FileSourceSplit split)
            throws IOException {
        return new LineReader(split, 0);
    }

    @Override
    public Reader<RawRecord> restoreReader(Configuration config, FileSourceSplit split)
            throws IOException {
        long skip =
                split.getReaderPosition()
                        .map(CheckpointedPosition::getRecordsAfterOffset)
                        .orElse(0L);
        return new LineReader(split, skip);
    }

    @Override
    public boolean isSplittable() {
        return false;
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }

    private final class LineReader implements BulkFormat.Reader<RawRecord> {

        private final InputStream in;
        private final String name;
        private final long ingestionTime;
        private final byte[] buf;
        private String header;
        private long line;
        private long emitted;
        private boolean done;
        private boolean tooLong;
        private boolean vanished;
        private boolean first = true;

        LineReader(FileSourceSplit split, long skip) throws IOException {
            Path path = split.path();
            String full = VersionedFiles.plain(path.toUri().getPath());
            this.name = full.startsWith(root + "/") ? full.substring(root.length() + 1) : full;
            this.buf = new byte[Math.min(maxRecordBytes, 64 * 1024)];
            DropFiles.Format format = files.formatOf(new Path(full).getName());
            FileSystem fs = path.getFileSystem();
            java.net.URI u = path.toUri();
            Path plain;
            try {
                plain =
                        new Path(
                                new java.net.URI(
                                        u.getScheme(), u.getAuthority(), full, null, null));
            } catch (java.net.URISyntaxException e) {
                throw new IOException(e);
            }
            InputStream opened = null;
            long mtime = split.fileModificationTime();
            try {
                if (mtime <= 0) {
                    mtime = fs.getFileStatus(plain).getModificationTime();
                }
                opened = new BufferedInputStream(fs.open(plain), 64 * 1024);
                if (DropFiles.gzipped(full)) {
                    opened =
                            new BufferedInputStream(
                                    new GZIPInputStream(opened, 64 * 1024), 64 * 1024);
                }
            } catch (FileNotFoundException e) {
                LOG.warn("{}: {} vanished after it was listed; skipped", source, name);
                vanished = true;
            }
            this.ingestionTime = mtime;
            this.in = opened;
            if (vanished) {
                return;
            }
            if (format == null) {
                done = true;
                return;
            }
            if (format == DropFiles.Format.CSV) {
                if (headerLine) {
                    byte[] h = nextLine();
                    header = h == null ? null : new String(h, Charset.forName(charset));
                    if (header == null || header.isBlank()) {
                        done = true;
                    }
                } else {
                    header = "";
                }
            }
            while (emitted < skip && !done) {
                if (nextRecord() == null) {
                    done = true;
                }
            }
        }

        /** The next non-blank line as a record, or null at the end of the file. */
        private RawRecord nextRecord() throws IOException {
            while (true) {
                byte[] bytes = nextLine();
                if (bytes == null) {
                    return null;
                }
                if (!tooLong && isBlank(bytes)) {
                    continue;
                }
                emitted++;
                return new RawRecord(
                        source,
                        name + ":" + line,
                        ingestionTime,
                        bytes,
                        header,
                        tooLong ? RawRecord.TOO_LONG : RawRecord.RECORD);
            }
        }

        /** The next line's bytes (without its end), at most max-record-bytes kept. */
        private byte[] nextLine() throws IOException {
            tooLong = false;
            byte[] out = buf;
            int n = 0;
            long total = 0;
            int b;
            boolean any = false;
            while ((b = in.read()) != -1) {
                any = true;
                if (b == '\n') {
                    break;
                }
                total++;
                if (total > maxRecordBytes) {
                    tooLong = true;
                    continue;
                }
                if (n == out.length) {
                    out = Arrays.copyOf(out, Math.min(maxRecordBytes, out.length * 2));
                }
                out[n++] = (byte) b;
            }
            if (!any) {
                return null;
            }
            line++;
            int start = 0;
            if (first) {
                first = false;
                if (n >= 3
                        && (out[0] & 0xff) == 0xEF
                        && (out[1] & 0xff) == 0xBB
                        && (out[2] & 0xff) == 0xBF) {
                    start = 3;
                }
            }
            if (tooLong) {
                return Arrays.copyOfRange(out, start, Math.min(n, start + KEPT_OF_TOO_LONG));
            }
            if (n > start && out[n - 1] == '\r') {
                n--;
            }
            return Arrays.copyOfRange(out, start, n);
        }

        private boolean isBlank(byte[] bytes) {
            for (byte b : bytes) {
                if (b != ' ' && b != '\t') {
                    return false;
                }
            }
            return true;
        }

        @Override
        public RecordIterator<RawRecord> readBatch() throws IOException {
            if (vanished) {
                vanished = false;
                done = true;
                return new IteratorResultIterator<>(
                        List.of(
                                        new RawRecord(
                                                source,
                                                name,
                                                ingestionTime,
                                                new byte[0],
                                                null,
                                                RawRecord.VANISHED_FILE))
                                .iterator(),
                        CheckpointedPosition.NO_OFFSET,
                        0);
            }
            if (done) {
                return null;
            }
            long before = emitted;
            List<RawRecord> batch = new ArrayList<>(BATCH);
            while (batch.size() < BATCH) {
                RawRecord r = nextRecord();
                if (r == null) {
                    done = true;
                    break;
                }
                batch.add(r);
            }
            if (batch.isEmpty()) {
                return null;
            }
            return new IteratorResultIterator<>(
                    batch.iterator(), CheckpointedPosition.NO_OFFSET, before);
        }

        @Override
        public void close() throws IOException {
            if (in != null) {
                in.close();
            }
        }
    }
}
