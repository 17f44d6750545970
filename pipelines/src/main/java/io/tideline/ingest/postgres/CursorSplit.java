/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The one split of a table read by cursor: the {@code (updated_at, id)} of the last row emitted. It
 * is the reader's checkpointed state, so a restored job resumes after exactly that row.
 *
 * @param updatedAtMicros the cursor's {@code updated_at}, epoch microseconds; {@link
 *     Long#MIN_VALUE} before the first row
 * @param id the cursor's {@code id}
 */
public record CursorSplit(String table, long updatedAtMicros, long id) implements SourceSplit {

    public static CursorSplit start(String table) {
        return new CursorSplit(table, Long.MIN_VALUE, Long.MIN_VALUE);
    }

    public boolean atStart() {
        return updatedAtMicros == Long.MIN_VALUE;
    }

    @Override
    public String splitId() {
        return table;
    }

    /** Serializes one split. */
    public static final class Serializer implements SimpleVersionedSerializer<CursorSplit> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(CursorSplit s) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                write(s, out);
            }
            return bytes.toByteArray();
        }

        @Override
        public CursorSplit deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return read(in);
            }
        }

        static void write(CursorSplit s, DataOutputStream out) throws IOException {
            out.writeUTF(s.table());
            out.writeLong(s.updatedAtMicros());
            out.writeLong(s.id());
        }

        static CursorSplit read(DataInputStream in) throws IOException {
            return new CursorSplit(in.readUTF(), in.readLong(), in.readLong());
        }
    }

    /** Serializes the enumerator's unassigned splits. */
    public static final class ListSerializer
            implements SimpleVersionedSerializer<List<CursorSplit>> {

        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<CursorSplit> splits) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(splits.size());
                for (CursorSplit s : splits) {
                    Serializer.write(s, out);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public List<CursorSplit> deserialize(int version, byte[] serialized) throws IOException {
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int n = in.readInt();
                List<CursorSplit> out = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    out.add(Serializer.read(in));
                }
                return out;
            }
        }
    }
}
