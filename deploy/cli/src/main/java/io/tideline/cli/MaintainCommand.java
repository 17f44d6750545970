/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import io.tideline.config.TidelineConfig;
import io.tideline.flink.FlinkSettings;
import io.tideline.maintenance.MaintenanceJob;
import io.tideline.maintenance.TableMaintenance;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code tideline maintain [--once]}: Iceberg table maintenance, through MaintenanceJob. */
@Command(
        name = "maintain",
        mixinStandardHelpOptions = true,
        description = {
            "Compact small files, expire old snapshots (keeping each Flink job's last commit) and"
                + " delete orphan files of the tables in `maintenance.tables` (default: every table"
                + " the platform writes).",
            "With --once one pass, exit 0 when every table was maintained, 1 when one failed;"
                    + " without, a pass every maintenance.interval until Ctrl-C."
        })
final class MaintainCommand implements Callable<Integer> {

    @Mixin JsonOption common;

    @Option(names = "--once", description = "One pass, then exit.")
    boolean once;

    @Override
    public Integer call() throws Exception {
        Report report = new Report("maintain", common.json);
        Path file = Tideline.defaultConfig(common.config);
        TidelineConfig config = Configs.load(file);
        MaintenanceJob job =
                new MaintenanceJob(config, FlinkSettings.jobConfiguration(config.flink()));
        List<String> maintained = job.tables(report.human());
        if (!once) {
            report.progress(
                    "Maintenance every "
                            + config.maintenance().interval()
                            + " of "
                            + maintained
                            + "; Ctrl-C stops it");
            MaintenanceJob.main(new String[] {"--config", file.toString()});
            return Tideline.OK;
        }
        report.progress("Maintenance pass over " + maintained);
        List<TableMaintenance.Result> results;
        try {
            results = job.runOnce(report.human());
        } catch (IllegalStateException failed) {
            return report.finish(Tideline.FAILED, "maintain: " + failed.getMessage());
        }
        var tables = report.root().putArray("tables");
        results.forEach(r -> tables.add(r.toString()));
        return report.finish(Tideline.OK, "maintain: " + results.size() + " tables maintained");
    }
}
