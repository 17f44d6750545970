/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.cdc;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Decodes the messages of PostgreSQL's {@code pgoutput} plugin, protocol version 1 (Begin, Commit,
 * Relation, Insert, Update, Delete, Truncate; Origin and Type are read and ignored), and turns
 * their text values into JSON values by column type.
 */
final class PgOutput {

    private PgOutput() {}

    /** Microseconds from the Unix epoch to PostgreSQL's epoch, 2000-01-01. */
    private static final long PG_EPOCH_MICROS = 946_684_800_000_000L;

    /** A column of a relation. */
    record Column(String name, int typeOid, boolean key) {}

    /** A table, as a Relation message describes it. */
    record Relation(int id, String namespace, String name, char identity, List<Column> columns) {}

    /** A decoded message. */
    sealed interface Message permits Begin, Commit, RelationMessage, Change, Truncate, Other {}

    record Begin(long finalLsn, Instant commitTime, int xid) implements Message {}

    record Commit(long commitLsn, long endLsn, Instant commitTime) implements Message {}

    record RelationMessage(Relation relation) implements Message {}

    /**
     * An insert, update or delete. {@code values} are the new tuple's (the old key's for a delete):
     * null for SQL null, {@link #UNCHANGED} for an unchanged TOAST value.
     */
    record Change(String op, int relationId, String[] values, String[] oldValues)
            implements Message {}

    record Truncate(int[] relationIds) implements Message {}

    record Other(char type) implements Message {}

    /** An out-of-line value an update did not change (pgoutput does not send it). */
    static final String UNCHANGED = new String("<unchanged toast>");

    static Message decode(ByteBuffer b) {
        char type = (char) b.get();
        switch (type) {
            case 'B' -> {
                long lsn = b.getLong();
                Instant t = time(b.getLong());
                return new Begin(lsn, t, b.getInt());
            }
            case 'C' -> {
                b.get();
                long commit = b.getLong();
                long end = b.getLong();
                return new Commit(commit, end, time(b.getLong()));
            }
            case 'R' -> {
                int id = b.getInt();
                String ns = string(b);
                String name = string(b);
                char identity = (char) b.get();
                int n = b.getShort();
                List<Column> cols = new ArrayList<>(n);
                for (int i = 0; i < n; i++) {
                    boolean key = (b.get() & 1) != 0;
                    String col = string(b);
                    int oid = b.getInt();
                    b.getInt();
                    cols.add(new Column(col, oid, key));
                }
                return new RelationMessage(new Relation(id, ns, name, identity, cols));
            }
            case 'I' -> {
                int id = b.getInt();
                b.get(); // 'N'
                return new Change("insert", id, tuple(b), null);
            }
            case 'U' -> {
                int id = b.getInt();
                char k = (char) b.get();
                String[] old = null;
                if (k == 'K' || k == 'O') {
                    old = tuple(b);
                    b.get(); // 'N'
                }
                String[] values = tuple(b);
                if (old != null) {
                    for (int i = 0; i < values.length && i < old.length; i++) {
                        if (values[i] == UNCHANGED && old[i] != null && old[i] != UNCHANGED) {
                            values[i] = old[i];
                        }
                    }
                }
                return new Change("update", id, values, old);
            }
            case 'D' -> {
                int id = b.getInt();
                b.get(); // 'K' or 'O'
                return new Change("delete", id, tuple(b), null);
            }
            case 'T' -> {
                int n = b.getInt();
                b.get();
                int[] ids = new int[n];
                for (int i = 0; i < n; i++) {
                    ids[i] = b.getInt();
                }
                return new Truncate(ids);
            }
            default -> {
                return new Other(type);
            }
        }
    }

    private static Instant time(long pgMicros) {
        long micros = pgMicros + PG_EPOCH_MICROS;
        return Instant.ofEpochSecond(
                Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000);
    }

    private static String string(ByteBuffer b) {
        int start = b.position();
        while (b.get() != 0) {
            // to the terminator
        }
        int end = b.position() - 1;
        byte[] bytes = new byte[end - start];
        b.get(start, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String[] tuple(ByteBuffer b) {
        int n = b.getShort();
        String[] values = new String[n];
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            switch (kind) {
                case 'n' -> values[i] = null;
                case 'u' -> values[i] = UNCHANGED;
                default -> {
                    int len = b.getInt();
                    byte[] bytes = new byte[len];
                    b.get(bytes);
                    values[i] = new String(bytes, StandardCharsets.UTF_8);
                }
            }
        }
        return values;
    }

    /**
     * The key types whose text is the same from a snapshot's {@code SELECT} and from pgoutput (no
     * session setting changes it): their columns' text makes a record's route (see {@link
     * io.tideline.ingest.RawRecord#route()}); a key column of another type adds nothing to it.
     */
    static final Map<Integer, String> ROUTABLE_KEY_TYPES =
            Map.of(20, "int8", 21, "int2", 23, "int4", 25, "text", 1043, "varchar", 2950, "uuid");

    /** Whether a column of this type name adds its text to a record's route. */
    static boolean routable(String typeName) {
        return ROUTABLE_KEY_TYPES.containsValue(typeName);
    }

    /** Type names of the type OIDs the JSON writing knows (every other type is text). */
    static final Map<Integer, String> TYPES =
            Map.ofEntries(
                    Map.entry(16, "bool"),
                    Map.entry(20, "int8"),
                    Map.entry(21, "int2"),
                    Map.entry(23, "int4"),
                    Map.entry(26, "oid"),
                    Map.entry(700, "float4"),
                    Map.entry(701, "float8"),
                    Map.entry(1700, "numeric"),
                    Map.entry(1082, "date"),
                    Map.entry(1114, "timestamp"),
                    Map.entry(1184, "timestamptz"),
                    Map.entry(114, "json"),
                    Map.entry(3802, "jsonb"));

    /**
     * Writes one value given as PostgreSQL's text output of type {@code type} (a name of {@link
     * #TYPES}, or any other) as JSON: numbers as numbers, booleans as booleans, timestamps as
     * ISO-8601 instants (a timestamp without time zone read as UTC), JSON as JSON, others as text.
     */
    static void writeValue(JsonGenerator g, String type, String v) throws IOException {
        if (v == null) {
            g.writeNull();
            return;
        }
        switch (type == null ? "" : type) {
            case "bool" -> g.writeBoolean(v.equals("t") || v.equals("true"));
            case "int2", "int4", "int8", "oid" -> g.writeNumber(v);
            case "float4", "float8", "numeric" -> {
                if (v.isEmpty() || !Character.isDigit(v.charAt(v.length() - 1))) {
                    g.writeString(v); // NaN, Infinity
                } else {
                    g.writeNumber(v);
                }
            }
            case "timestamptz" -> g.writeString(isoOffset(v));
            case "timestamp" -> g.writeString(isoLocal(v));
            case "json", "jsonb" -> g.writeRawValue(v);
            default -> g.writeString(v);
        }
    }

    /**
     * {@code 2024-01-02 03:04:05.123+00} as {@code 2024-01-02T03:04:05.123+00:00}: spaces become
     * {@code T}, a two-digit offset gains {@code :00}, an offset with seconds loses them. One pass,
     * one string built.
     */
    static String isoOffset(String v) {
        int n = v.length();
        if (n < 19 || !Character.isDigit(v.charAt(0))) {
            return v; // infinity, BC dates: refused by validation
        }
        int sign = -1;
        for (int i = n - 1; i > 10; i--) {
            char c = v.charAt(i);
            if (c == '+' || c == '-') {
                sign = i;
                break;
            }
        }
        int offset = sign < 0 ? 0 : n - sign - 1;
        int end = offset == 8 && v.charAt(sign + 6) == ':' ? sign + 6 : n; // +05:30:00 → +05:30
        StringBuilder b = new StringBuilder(n + 3);
        withT(b, v, end);
        if (offset == 2) {
            b.append(":00");
        }
        return b.toString();
    }

    /** {@code 2024-01-02 03:04:05.123} as {@code 2024-01-02T03:04:05.123Z}. */
    static String isoLocal(String v) {
        int n = v.length();
        if (n < 19 || !Character.isDigit(v.charAt(0))) {
            return v;
        }
        StringBuilder b = new StringBuilder(n + 1);
        withT(b, v, n);
        return b.append('Z').toString();
    }

    /** Appends {@code v}'s first {@code end} characters, each space as {@code T}. */
    private static void withT(StringBuilder b, String v, int end) {
        for (int i = 0; i < end; i++) {
            char c = v.charAt(i);
            b.append(c == ' ' ? 'T' : c);
        }
    }
}
