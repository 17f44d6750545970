/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest;

import io.tideline.config.ColumnConfig;
import io.tideline.config.ColumnType;
import io.tideline.config.IngestionConfig;
import io.tideline.config.SourceConfig;
import io.tideline.config.TidelineConfig;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.iceberg.PartitionSpec;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.SupportsNamespaces;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.flink.FlinkSchemaUtil;
import org.apache.iceberg.types.Type;
import org.apache.iceberg.types.Types;
import org.apache.iceberg.types.Types.NestedField;

/**
 * The Iceberg tables ingestion writes, derived from the configuration: for every source its table
 * (the declared columns in order, then {@code extra_fields} when {@code unknown-fields: extra},
 * {@code ingestion_time}, {@code processing_time}, {@code source_position}), keyed by its {@code
 * key} (equality fields) and partitioned by its {@code partition-by}; for every keyed source its
 * append-only change log {@code <table>_changelog}; and the shared quarantine and late tables.
 *
 * <p>All are format v2. A column added to a source's configuration is added to its table (and
 * change log) when the job starts; older rows read null.
 */
public final class IngestTables {

    private IngestTables() {}

    private static final Types.TimestampType TIMESTAMPTZ = Types.TimestampType.withZone();

    /** Column positions of the quarantine table. */
    public static final class Quarantine {
        public static final int SOURCE = 0;
        public static final int SOURCE_POSITION = 1;
        public static final int RAW_PAYLOAD = 2;
        public static final int ERROR_CODE = 3;
        public static final int ERROR_MESSAGE = 4;
        public static final int INGESTION_TIME = 5;
        public static final int QUARANTINED_AT = 6;

        /** The exact bytes, base64, when they are not valid UTF-8; else null. */
        public static final int RAW_PAYLOAD_BASE64 = 7;

        public static final int ARITY = 8;

        private Quarantine() {}
    }

    /** Column positions of the late table. */
    public static final class Late {
        public static final int SOURCE = 0;
        public static final int KEY = 1;
        public static final int SOURCE_POSITION = 2;
        public static final int EVENT_TIME = 3;
        public static final int LATENESS_MS = 4;
        public static final int INGESTION_TIME = 5;
        public static final int PROCESSING_TIME = 6;
        public static final int PAYLOAD = 7;
        public static final int ARITY = 8;

        private Late() {}
    }

    public static final Schema QUARANTINE_SCHEMA =
            new Schema(
                    NestedField.optional(1, "source", Types.StringType.get()),
                    NestedField.optional(2, "source_position", Types.StringType.get()),
                    NestedField.optional(3, "raw_payload", Types.StringType.get()),
                    NestedField.optional(4, "error_code", Types.StringType.get()),
                    NestedField.optional(5, "error_message", Types.StringType.get()),
                    NestedField.optional(6, "ingestion_time", TIMESTAMPTZ),
                    NestedField.optional(7, "quarantined_at", TIMESTAMPTZ),
                    NestedField.optional(8, "raw_payload_base64", Types.StringType.get()));

    /**
     * Late rows of every source with an {@code event-time}, one per source and key (its earliest
     * late delivery): {@code payload} is the validated row as a JSON object.
     */
    public static final Schema LATE_SCHEMA =
            new Schema(
                    List.of(
                            NestedField.required(1, "source", Types.StringType.get()),
                            NestedField.required(2, "key", Types.StringType.get()),
                            NestedField.optional(3, "source_position", Types.StringType.get()),
                            NestedField.optional(4, "event_time", TIMESTAMPTZ),
                            NestedField.optional(5, "lateness_ms", Types.LongType.get()),
                            NestedField.optional(6, "ingestion_time", TIMESTAMPTZ),
                            NestedField.optional(7, "processing_time", TIMESTAMPTZ),
                            NestedField.optional(8, "payload", Types.StringType.get())),
                    Set.of(1, 2));

    public static Namespace namespace(IngestionConfig ingestion) {
        return Namespace.of(ingestion.namespace());
    }

    public static TableIdentifier quarantine(IngestionConfig ingestion) {
        return TableIdentifier.of(namespace(ingestion), ingestion.quarantineTable());
    }

    public static TableIdentifier late(IngestionConfig ingestion) {
        return TableIdentifier.of(namespace(ingestion), ingestion.lateTable());
    }

    /** A source's table. */
    public static TableIdentifier table(TidelineConfig config, String source) {
        return TableIdentifier.parse(
                config.sources().get(source).tableOr(config.ingestion().namespace(), source));
    }

    /** The change log of a keyed table. */
    public static TableIdentifier changelog(TableIdentifier table) {
        return TableIdentifier.of(table.namespace(), table.name() + "_changelog");
    }

    /** The Iceberg type of a declared column. */
    public static Type icebergType(ColumnType t) {
        return switch (t.kind()) {
            case STRING, JSON -> Types.StringType.get();
            case BOOLEAN -> Types.BooleanType.get();
            case INT -> Types.IntegerType.get();
            case BIGINT -> Types.LongType.get();
            case DOUBLE -> Types.DoubleType.get();
            case DECIMAL -> Types.DecimalType.of(t.precision(), t.scale());
            case DATE -> Types.DateType.get();
            case TIMESTAMP -> TIMESTAMPTZ;
        };
    }

    /** A source's table schema as the configuration declares it (key columns required). */
    public static Schema schemaOf(SourceConfig s) {
        List<NestedField> fields = new ArrayList<>();
        Set<Integer> ids = new HashSet<>();
        int id = 1;
        for (Map.Entry<String, ColumnConfig> e : s.columnsInOrder().entrySet()) {
            Type type = icebergType(e.getValue().columnType());
            if (s.key().contains(e.getKey())) {
                ids.add(id);
                fields.add(NestedField.required(id++, e.getKey(), type));
            } else {
                fields.add(NestedField.optional(id++, e.getKey(), type));
            }
        }
        if (s.unknownFields() == SourceConfig.UnknownFields.EXTRA) {
            fields.add(NestedField.optional(id++, "extra_fields", Types.StringType.get()));
        }
        fields.add(NestedField.optional(id++, "ingestion_time", TIMESTAMPTZ));
        fields.add(NestedField.optional(id++, "processing_time", TIMESTAMPTZ));
        fields.add(NestedField.optional(id, "source_position", Types.StringType.get()));
        return new Schema(fields, ids);
    }

    private static final Pattern TRANSFORM =
            Pattern.compile(
                    "(?:(year|month|day|hour)\\(\\s*([a-z_][a-z0-9_]*)\\s*\\)"
                        + "|(bucket|truncate)\\(\\s*(\\d{1,9})\\s*,\\s*([a-z_][a-z0-9_]*)\\s*\\)"
                        + "|([a-z_][a-z0-9_]*))");

    /** The partition spec of {@code partition-by}. */
    public static PartitionSpec specOf(SourceConfig s, Schema schema) {
        if (s.partitionBy().isEmpty()) {
            return PartitionSpec.unpartitioned();
        }
        PartitionSpec.Builder b = PartitionSpec.builderFor(schema);
        for (String t : s.partitionBy()) {
            Matcher m = TRANSFORM.matcher(t.trim());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a transform: " + t);
            }
            if (m.group(1) != null) {
                switch (m.group(1)) {
                    case "year" -> b.year(m.group(2));
                    case "month" -> b.month(m.group(2));
                    case "day" -> b.day(m.group(2));
                    default -> b.hour(m.group(2));
                }
            } else if (m.group(3) != null) {
                int n = Integer.parseInt(m.group(4));
                if (m.group(3).equals("bucket")) {
                    b.bucket(m.group(5), n);
                } else {
                    b.truncate(m.group(5), n);
                }
            } else {
                b.identity(m.group(6));
            }
        }
        return b.build();
    }

    /** Every table the given sources write, with the schema the configuration gives it. */
    public static Map<TableIdentifier, Schema> all(TidelineConfig config, List<String> sources) {
        Map<TableIdentifier, Schema> out = new LinkedHashMap<>();
        boolean anyLate = false;
        for (String name : sources) {
            SourceConfig s = config.sources().get(name);
            TableIdentifier id = table(config, name);
            Schema schema = schemaOf(s);
            out.put(id, schema);
            if (!s.key().isEmpty()) {
                out.put(changelog(id), new Schema(schema.columns()));
            }
            anyLate |= s.eventTime() != null;
        }
        out.put(quarantine(config.ingestion()), QUARANTINE_SCHEMA);
        if (anyLate) {
            out.put(late(config.ingestion()), LATE_SCHEMA);
        }
        return out;
    }

    /**
     * Creates the namespace and every missing table of {@code sources}; adds to existing tables the
     * columns the configuration declares and they lack (schema evolution by configuration).
     *
     * @return the schema of each table after the change: the layout of the rows written to it
     */
    public static Map<TableIdentifier, Schema> ensure(
            Catalog catalog, TidelineConfig config, List<String> sources) {
        Namespace ns = namespace(config.ingestion());
        if (catalog instanceof SupportsNamespaces n && !n.namespaceExists(ns)) {
            try {
                n.createNamespace(ns);
            } catch (org.apache.iceberg.exceptions.AlreadyExistsException raced) {
                // another job created it first
            }
        }
        Map<TableIdentifier, PartitionSpec> specs = new LinkedHashMap<>();
        for (String name : sources) {
            SourceConfig s = config.sources().get(name);
            specs.put(table(config, name), specOf(s, schemaOf(s)));
        }
        Map<TableIdentifier, Schema> out = new LinkedHashMap<>();
        all(config, sources)
                .forEach(
                        (id, schema) -> {
                            if (!catalog.tableExists(id)) {
                                try {
                                    PartitionSpec spec =
                                            specs.getOrDefault(id, PartitionSpec.unpartitioned());
                                    catalog.createTable(
                                            id,
                                            schema,
                                            spec.isUnpartitioned()
                                                    ? PartitionSpec.unpartitioned()
                                                    : specOf(sourceOf(config, sources, id), schema),
                                            Map.of("format-version", "2"));
                                } catch (org.apache.iceberg.exceptions.AlreadyExistsException r) {
                                    // another job created it first
                                }
                            }
                            Table table = catalog.loadTable(id);
                            List<NestedField> missing = new ArrayList<>();
                            for (NestedField f : schema.columns()) {
                                if (table.schema().findField(f.name()) == null) {
                                    missing.add(f);
                                }
                            }
                            if (!missing.isEmpty()) {
                                UpdateSchema update = table.updateSchema();
                                for (NestedField f : missing) {
                                    update.addColumn(f.name(), f.type(), f.doc());
                                }
                                update.commit();
                                table.refresh();
                            }
                            out.put(id, table.schema());
                        });
        return out;
    }

    private static SourceConfig sourceOf(
            TidelineConfig config, List<String> sources, TableIdentifier id) {
        for (String name : sources) {
            if (table(config, name).equals(id)) {
                return config.sources().get(name);
            }
        }
        throw new IllegalArgumentException("no source writes " + id);
    }

    /** The column names of a schema, in order. */
    public static List<String> columnNames(Schema schema) {
        return schema.columns().stream().map(NestedField::name).toList();
    }

    /** Flink's type information for rows of {@code schema}, for typed stream edges. */
    public static InternalTypeInfo<RowData> rowType(Schema schema) {
        return InternalTypeInfo.of(FlinkSchemaUtil.convert(schema));
    }

    /** Reads the fields of rows of {@code schema}, whatever their {@link RowData} class. */
    public static RowData.FieldGetter[] fieldGetters(Schema schema) {
        org.apache.flink.table.types.logical.RowType type = FlinkSchemaUtil.convert(schema);
        RowData.FieldGetter[] getters = new RowData.FieldGetter[type.getFieldCount()];
        for (int i = 0; i < getters.length; i++) {
            getters[i] = RowData.createFieldGetter(type.getTypeAt(i), i);
        }
        return getters;
    }

    /** Loads one table (for tests and summaries). */
    public static Table load(Catalog catalog, TableIdentifier id) {
        return catalog.loadTable(id);
    }
}
