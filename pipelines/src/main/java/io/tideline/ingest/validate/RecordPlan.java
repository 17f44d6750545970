/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.validate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.tideline.config.ColumnConfig;
import io.tideline.config.IngestionConfig;
import io.tideline.config.SourceConfig;
import io.tideline.ingest.RawRecord;
import java.io.IOException;
import java.io.Serializable;
import java.io.StringWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;

/**
 * A source's compiled per-record plan: the converter of every column (chosen once, from the
 * configuration, at job start), where each writes in the table's row, and how the input is read.
 * JSON is read with Jackson's streaming parser straight into a {@link GenericRowData} (a field name
 * finds its column in a small precomputed index, a JSON pointer descends into nested objects); CSV
 * is split by position, the header mapped to columns once per file. No reflection, no tree of the
 * record, no per-record map of its fields.
 *
 * <p>Bad data is a value: every refusal is a {@link Outcome} with its {@link ErrorCode}; an
 * unexpected exception while validating one record is caught and refuses that record alone ({@code
 * VALIDATION_FAILED}, with its message).
 *
 * <p>Not thread-safe: one instance per subtask (it is {@link Serializable}, each subtask gets its
 * own copy).
 */
public final class RecordPlan implements Serializable {

    private static final long serialVersionUID = 1L;

    private static final int ABSENT = 0;
    private static final int VALUE = 1;
    private static final int FAILED = 2;

    private final String source;
    private final int arity;
    private final Converter[] converters; // by table column index (null: a system column)
    private final boolean[] required;
    private final int[] requiredWith; // by table column index, -1 if none
    private final int[][] oneOf;
    private final String[] oneOfLabels;
    private final int extraIdx;
    private final int ingestionIdx;
    private final int processingIdx;
    private final int positionIdx;
    private final SourceConfig.UnknownFields unknown;
    private final Node root;
    private final Map<String, Integer> byName; // CSV header name -> table column index
    private final int[] declaredOrder; // table column indexes in declaration order
    private final List<String> configuredHeader;
    private final char delimiter;
    private final char quote;
    private final String charset;
    private final long maxFutureMs;
    private final int maxFieldLength;

    private transient Ctx ctx;
    private transient int[] state;
    private transient JsonFactory json;
    private transient Charset decoder;
    private transient boolean utf8;
    private transient String lastHeader;
    private transient int[] csvColumns;
    private transient String[] csvNames;
    private transient ArrayList<String> values;
    private transient TreeMap<String, Object> extras;

    /**
     * @param source the source's name
     * @param config the source
     * @param ingestion the shared defaults (max-future, max-field-length)
     * @param tableColumns the table's column names, in order: the rows' layout
     */
    public RecordPlan(
            String source,
            SourceConfig config,
            IngestionConfig ingestion,
            List<String> tableColumns) {
        this.source = source;
        this.arity = tableColumns.size();
        this.converters = new Converter[arity];
        this.required = new boolean[arity];
        this.requiredWith = new int[arity];
        java.util.Arrays.fill(requiredWith, -1);
        this.extraIdx = tableColumns.indexOf("extra_fields");
        this.ingestionIdx = tableColumns.indexOf("ingestion_time");
        this.processingIdx = tableColumns.indexOf("processing_time");
        this.positionIdx = tableColumns.indexOf("source_position");
        this.unknown = config.unknownFields();
        this.root = new Node();
        this.byName = new HashMap<>();
        this.maxFutureMs = ingestion.maxFuture().toMillis();
        this.maxFieldLength = ingestion.maxFieldLength();
        List<Integer> order = new ArrayList<>();
        for (Map.Entry<String, ColumnConfig> e : config.columnsInOrder().entrySet()) {
            String name = e.getKey();
            ColumnConfig c = e.getValue();
            int idx = tableColumns.indexOf(name);
            if (idx < 0) {
                throw new IllegalStateException(
                        "sources."
                                + source
                                + ".columns."
                                + name
                                + ": not a column of the table "
                                + tableColumns);
            }
            order.add(idx);
            converters[idx] = Converter.of(idx, name, c, maxFieldLength);
            required[idx] = c.isRequired();
            String from = c.fromOr(name);
            byName.put(
                    from.startsWith("/") ? from.substring(from.lastIndexOf('/') + 1) : from, idx);
            root.add(pointer(from), 0, idx);
        }
        for (Map.Entry<String, ColumnConfig> e : config.columnsInOrder().entrySet()) {
            if (e.getValue().requiredWith() != null) {
                requiredWith[tableColumns.indexOf(e.getKey())] =
                        tableColumns.indexOf(e.getValue().requiredWith());
            }
        }
        this.declaredOrder = order.stream().mapToInt(Integer::intValue).toArray();
        this.oneOf = new int[config.requireOneOf().size()][];
        this.oneOfLabels = new String[oneOf.length];
        for (int g = 0; g < oneOf.length; g++) {
            List<String> group = config.requireOneOf().get(g);
            oneOf[g] = group.stream().mapToInt(tableColumns::indexOf).toArray();
            StringBuilder label = new StringBuilder();
            for (int i = 0; i < group.size(); i++) {
                label.append(i == 0 ? "" : " or ")
                        .append('\'')
                        .append(config.columnsInOrder().get(group.get(i)).fromOr(group.get(i)))
                        .append('\'');
            }
            oneOfLabels[g] = label + " is required";
        }
        this.configuredHeader = config.headerNames();
        this.delimiter = config.delimiter().charAt(0);
        this.quote = config.quote().charAt(0);
        this.charset = config.charset();
    }

    private static List<String> pointer(String from) {
        if (!from.startsWith("/")) {
            return List.of(from);
        }
        List<String> parts = new ArrayList<>();
        for (String p : from.substring(1).split("/", -1)) {
            parts.add(p.replace("~1", "/").replace("~0", "~"));
        }
        return parts;
    }

    /** The JSON field tree: a field name leads to a column or to a nested object's fields. */
    static final class Node implements Serializable {
        private static final long serialVersionUID = 1L;
        private String[] keys = new String[8];
        private Object[] values = new Object[8]; // Integer (a column) or Node
        private int size;

        void add(List<String> path, int at, int column) {
            String k = path.get(at);
            Object existing = get(k);
            if (at == path.size() - 1) {
                if (existing == null) {
                    put(k, column);
                }
                return;
            }
            Node child;
            if (existing instanceof Node n) {
                child = n;
            } else {
                child = new Node();
                put(k, child);
            }
            child.add(path, at + 1, column);
        }

        private void put(String k, Object v) {
            if ((size + 1) * 2 > keys.length) {
                String[] ok = keys;
                Object[] ov = values;
                keys = new String[ok.length * 2];
                values = new Object[ok.length * 2];
                size = 0;
                for (int i = 0; i < ok.length; i++) {
                    if (ok[i] != null) {
                        put(ok[i], ov[i]);
                    }
                }
            }
            int mask = keys.length - 1;
            int i = k.hashCode() & mask;
            while (keys[i] != null) {
                i = (i + 1) & mask;
            }
            keys[i] = k;
            values[i] = v;
            size++;
        }

        /** Open addressing on the name's (cached) hash: no allocation, no boxing per lookup. */
        Object get(String k) {
            int mask = keys.length - 1;
            int i = k.hashCode() & mask;
            while (keys[i] != null) {
                if (keys[i].equals(k)) {
                    return values[i];
                }
                i = (i + 1) & mask;
            }
            return null;
        }
    }

    private void init() {
        ctx = new Ctx(maxFutureMs, maxFieldLength);
        state = new int[arity];
        json =
                JsonFactory.builder()
                        .enable(
                                com.fasterxml.jackson.core.StreamReadFeature
                                        .STRICT_DUPLICATE_DETECTION)
                        .build();
        decoder = Charset.forName(charset);
        utf8 = decoder.equals(StandardCharsets.UTF_8);
        values = new ArrayList<>();
    }

    /** The source's name. */
    public String source() {
        return source;
    }

    /** Validates one record into {@code out} (reused). */
    public void validate(RawRecord record, long processingTime, Outcome out) {
        if (ctx == null) {
            init();
        }
        out.row = null;
        out.code = null;
        out.message = null;
        out.ignoredFields = 0;
        ctx.reset(record.ingestionTime());
        java.util.Arrays.fill(state, ABSENT);
        if (extras != null) {
            extras.clear();
        }
        GenericRowData row = new GenericRowData(arity);
        try {
            if (record.kind() == RawRecord.TOO_LONG) {
                ctx.failRecord(
                        ErrorCode.RECORD_TOO_LONG,
                        "the record is longer than max-record-bytes; its first "
                                + record.payload().length
                                + " bytes are kept");
            } else {
                read(record, row, out);
            }
            if (!ctx.failed()) {
                checkRequired(row);
            }
        } catch (RuntimeException | IOException e) {
            ctx.failRecord(ErrorCode.VALIDATION_FAILED, "unexpected " + e);
        }
        if (ctx.failed()) {
            out.code = ctx.code;
            out.message = ctx.message;
            return;
        }
        if (extraIdx >= 0 && extras != null && !extras.isEmpty()) {
            row.setField(extraIdx, StringData.fromString(extrasText()));
        }
        if (ingestionIdx >= 0) {
            row.setField(ingestionIdx, TimestampData.fromEpochMillis(record.ingestionTime()));
        }
        if (processingIdx >= 0) {
            row.setField(processingIdx, TimestampData.fromEpochMillis(processingTime));
        }
        if (positionIdx >= 0) {
            row.setField(positionIdx, StringData.fromString(record.position()));
        }
        out.row = row;
    }

    private void read(RawRecord record, GenericRowData row, Outcome out) throws IOException {
        byte[] payload = record.payload();
        String text = null;
        if (utf8) {
            if (!Payloads.isAscii(payload) && !Payloads.isUtf8(payload)) {
                ctx.failRecord(ErrorCode.INVALID_UTF8, "the payload is not valid UTF-8");
                return;
            }
        } else {
            text = new String(payload, decoder);
        }
        if (record.header() != null) {
            csv(
                    record.header(),
                    text != null ? text : new String(payload, StandardCharsets.UTF_8),
                    row,
                    out);
        } else {
            json(payload, text, row, out);
        }
    }

    // ---------------------------------------------------------------- JSON

    private void json(byte[] payload, String text, GenericRowData row, Outcome out)
            throws IOException {
        if (text == null ? Payloads.isBlank(payload) : text.isBlank()) {
            ctx.failRecord(ErrorCode.MALFORMED_JSON, "the record is empty");
            return;
        }
        try (JsonParser p = text == null ? json.createParser(payload) : json.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t != JsonToken.START_OBJECT) {
                ctx.failRecord(
                        ErrorCode.MALFORMED_JSON,
                        "expected a JSON object, got "
                                + (t == JsonToken.START_ARRAY
                                        ? "array"
                                        : t == null
                                                ? "nothing"
                                                : "a "
                                                        + t.name()
                                                                .toLowerCase(java.util.Locale.ROOT)
                                                                .replace("value_", "")));
                return;
            }
            object(p, root, true, row, out);
            if (p.nextToken() != null) {
                ctx.failRecord(
                        ErrorCode.MALFORMED_JSON,
                        "not valid JSON: trailing content after the object");
            }
        } catch (JsonProcessingException e) {
            ctx.failRecord(ErrorCode.MALFORMED_JSON, "not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** Reads the fields of the object the parser is in (its START_OBJECT already read). */
    private void object(JsonParser p, Node node, boolean top, GenericRowData row, Outcome out)
            throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            Object target = node.get(name);
            if (target instanceof Integer idx) {
                int i = idx;
                if (state[i] != ABSENT) {
                    // Another pointer already wrote this column: the first one wins.
                    p.skipChildren();
                    continue;
                }
                Converter c = converters[i];
                Object value = c.json(p, v, ctx);
                set(row, i, value);
            } else if (target instanceof Node child) {
                if (v == JsonToken.START_OBJECT) {
                    object(p, child, false, row, out);
                } else {
                    p.skipChildren();
                }
            } else if (top) {
                unknownField(name, p, out);
            } else {
                p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new com.fasterxml.jackson.core.JsonParseException(p, "expected a field name");
        }
    }

    private void unknownField(String name, JsonParser p, Outcome out) throws IOException {
        switch (unknown) {
            case EXTRA -> {
                if (extraIdx < 0) {
                    p.skipChildren();
                    out.ignoredFields++;
                    return;
                }
                StringWriter w = new StringWriter(32);
                try (JsonGenerator g = json.createGenerator(w)) {
                    Converter.copy(p, g);
                }
                extras().put(name, new RawJson(w.toString()));
            }
            case QUARANTINE -> {
                p.skipChildren();
                ctx.fail(
                        Integer.MAX_VALUE - 1,
                        ErrorCode.UNKNOWN_FIELD,
                        "'" + Ctx.clip(name) + "' is not a declared column");
            }
            case IGNORE -> {
                p.skipChildren();
                out.ignoredFields++;
            }
        }
    }

    private record RawJson(String text) {}

    private TreeMap<String, Object> extras() {
        if (extras == null) {
            extras = new TreeMap<>();
        }
        return extras;
    }

    private String extrasText() throws RuntimeException {
        StringWriter w = new StringWriter(64);
        try (JsonGenerator g = json.createGenerator(w)) {
            g.writeStartObject();
            for (Map.Entry<String, Object> e : extras.entrySet()) {
                g.writeFieldName(e.getKey());
                if (e.getValue() instanceof RawJson raw) {
                    g.writeRawValue(raw.text());
                } else {
                    g.writeString((String) e.getValue());
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }

    private void set(GenericRowData row, int i, Object value) {
        if (value == Converter.FAILED) {
            state[i] = FAILED;
        } else if (value != null) {
            state[i] = VALUE;
            row.setField(i, value);
        }
    }

    // ---------------------------------------------------------------- CSV

    private void csv(String header, String line, GenericRowData row, Outcome out) {
        if (header != lastHeader) {
            mapHeader(header);
        }
        if (!Csv.split(line, delimiter, quote, values)) {
            ctx.failRecord(ErrorCode.RAGGED_ROW, "not a CSV row: a quoted value is not closed");
            return;
        }
        if (values.size() != csvColumns.length) {
            ctx.failRecord(
                    ErrorCode.RAGGED_ROW,
                    "the row has "
                            + values.size()
                            + " values, the header has "
                            + csvColumns.length
                            + " columns");
            return;
        }
        for (int k = 0; k < csvColumns.length; k++) {
            String v = values.get(k);
            if (v.isEmpty()) {
                continue;
            }
            int i = csvColumns[k];
            if (i >= 0) {
                if (state[i] == ABSENT) {
                    set(row, i, converters[i].text(v, ctx));
                }
            } else if (csvNames[k] != null && !csvNames[k].isEmpty()) {
                switch (unknown) {
                    case EXTRA -> {
                        if (extraIdx >= 0) {
                            extras().put(csvNames[k], v);
                        } else {
                            out.ignoredFields++;
                        }
                    }
                    case QUARANTINE ->
                            ctx.fail(
                                    Integer.MAX_VALUE - 1,
                                    ErrorCode.UNKNOWN_FIELD,
                                    "'" + Ctx.clip(csvNames[k]) + "' is not a declared column");
                    case IGNORE -> out.ignoredFields++;
                }
            }
        }
    }

    private void mapHeader(String header) {
        lastHeader = header;
        String[] names;
        if (!header.isEmpty()) {
            String h =
                    !header.isEmpty() && header.charAt(0) == '\uFEFF'
                            ? header.substring(1)
                            : header;
            ArrayList<String> parts = new ArrayList<>();
            Csv.split(h, delimiter, quote, parts);
            names = parts.stream().map(String::trim).toArray(String[]::new);
        } else if (configuredHeader != null) {
            names = configuredHeader.toArray(new String[0]);
        } else {
            names = null;
        }
        if (names == null) {
            csvNames = new String[declaredOrder.length];
            csvColumns = declaredOrder.clone();
            return;
        }
        csvNames = names;
        csvColumns = new int[names.length];
        for (int k = 0; k < names.length; k++) {
            Integer idx = byName.get(names[k]);
            csvColumns[k] = idx == null ? -1 : idx;
        }
    }

    // ---------------------------------------------------------------- required

    private void checkRequired(GenericRowData row) {
        for (int i : declaredOrder) {
            if (state[i] != ABSENT) {
                continue;
            }
            if (required[i]) {
                ctx.fail(i, ErrorCode.MISSING_FIELD, converters[i].label + " is required");
            } else if (requiredWith[i] >= 0 && state[requiredWith[i]] == VALUE) {
                ctx.fail(
                        i,
                        ErrorCode.MISSING_FIELD,
                        converters[i].label
                                + " is required when "
                                + converters[requiredWith[i]].label
                                + " is given");
            }
        }
        for (int g = 0; g < oneOf.length; g++) {
            int last = -1;
            boolean any = false;
            for (int i : oneOf[g]) {
                any |= state[i] != ABSENT;
                last = Math.max(last, i);
            }
            if (!any) {
                ctx.fail(last, ErrorCode.MISSING_FIELD, oneOfLabels[g]);
            }
        }
    }
}
