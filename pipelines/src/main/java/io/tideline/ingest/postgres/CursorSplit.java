/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.postgres;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The one split of a table read by cursor: the values of the cursor columns (for example {@code
 * (updated_at, id)}) of the last row emitted; empty before the first. It is the reader's
 * checkpointed state, so a restored job resumes after exactly that row. Values are kept with their
 * type (timestamps, whole numbers, decimals, text, uuids), so that the next query binds them as the
 * database compares them.
 */
public record CursorSplit(String table, List<Object> cursor) implements SourceSplit {

    public CursorSplit {
        cursor = cursor == null ? List.of() : List.copyOf(cursor);
    }

    public static CursorSplit start(String table) {
        return new CursorSplit(table, List.of());
    }

    public boolean atStart() {
        return cursor.isEmpty();
    }

    @Override
    public String splitId() {
        return table;
    }

    /** Serializes one split. */
    public static final class Serializer implements SimpleVersionedSerializer<CursorSplit> {

        @Override
        public int getVersion() {
            return 2;
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
            out.writeInt(s.cursor().size());
            for (Object v : s.cursor()) {
                if (v instanceof Timestamp t) {
                    Instant i = t.toInstant();
                    out.writeByte('T');
                    out.writeLong(i.getEpochSecond());
                    out.writeInt(i.getNano());
                } else if (v instanceof Long l) {
                    out.writeByte('L');
                    out.writeLong(l);
                } else if (v instanceof Integer n) {
                    out.writeByte('I');
                    out.writeInt(n);
                } else if (v instanceof BigDecimal d) {
                    out.writeByte('D');
                    out.writeUTF(d.toString());
                } else if (v instanceof UUID u) {
                    out.writeByte('U');
                    out.writeUTF(u.toString());
                } else {
                    out.writeByte('S');
                    out.writeUTF(String.valueOf(v));
                }
            }
        }

        static CursorSplit read(DataInputStream in) throws IOException {
            String table = in.readUTF();
            int n = in.readInt();
            List<Object> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                byte tag = in.readByte();
                values.add(
                        switch (tag) {
                            case 'T' ->
                                    Timestamp.from(
                                            Instant.ofEpochSecond(in.readLong(), in.readInt()));
                            case 'L' -> in.readLong();
                            case 'I' -> in.readInt();
                            case 'D' -> new BigDecimal(in.readUTF());
                            case 'U' -> UUID.fromString(in.readUTF());
                            default -> in.readUTF();
                        });
            }
            return new CursorSplit(table, values);
        }
    }

    /** Serializes the enumerator's unassigned splits. */
    public static final class ListSerializer
            implements SimpleVersionedSerializer<List<CursorSplit>> {

        @Override
        public int getVersion() {
            return 2;
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
