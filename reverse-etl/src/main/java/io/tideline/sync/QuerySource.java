/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import io.tideline.catalog.IcebergCatalogs;
import io.tideline.config.TidelineConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.flink.table.api.EnvironmentSettings;
import org.apache.flink.table.api.TableEnvironment;
import org.apache.flink.table.api.TableResult;
import org.apache.flink.types.Row;
import org.apache.flink.util.CloseableIterator;
import org.slf4j.LoggerFactory;

/**
 * A sync source given as SQL: the query runs as a Flink batch job in this process, over the
 * configured Iceberg catalog (registered under its name and made current, so {@code
 * marts.customer_360} resolves), and its rows are read back as they come.
 */
final class QuerySource {

    private QuerySource() {}

    static void read(
            TidelineConfig config,
            String query,
            List<String> needed,
            Consumer<Function<String, Object>> rows) {
        TableEnvironment env = TableEnvironment.create(EnvironmentSettings.inBatchMode());
        IcebergCatalogs.register(env, config);
        env.useCatalog(config.catalog().name());
        TableResult result;
        try {
            result = env.executeSql(query);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            LoggerFactory.getLogger(QuerySource.class).warn("Source query failed", e);
            throw new SourceRows.SourceException(
                    "source query failed: "
                            + e.getMessage().lines().findFirst().orElse("")
                            + (root == e ? "" : " (" + root + ")"));
        }
        List<String> names = result.getResolvedSchema().getColumnNames();
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
            index.put(names.get(i), i);
        }
        for (String c : needed) {
            if (!index.containsKey(c)) {
                throw new SourceRows.SourceException(
                        "source query has no column '" + c + "': it returns " + names);
            }
        }
        try (CloseableIterator<Row> it = result.collect()) {
            while (it.hasNext()) {
                Row row = it.next();
                rows.accept(name -> row.getField(index.get(name)));
            }
        } catch (Exception e) {
            if (e instanceof SourceRows.SourceException s) {
                throw s;
            }
            throw new SourceRows.SourceException("source query failed while reading: " + e);
        }
    }
}
