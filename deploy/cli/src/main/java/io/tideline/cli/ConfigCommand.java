/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideline.config.ConfigException;
import io.tideline.config.ConfigLoader;
import io.tideline.config.TidelineConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code tideline config check FILE}. */
@Command(
        name = "config",
        mixinStandardHelpOptions = true,
        description = "Check a configuration file.",
        subcommands = {ConfigCommand.Check.class})
final class ConfigCommand implements Runnable {

    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(
            name = "check",
            mixinStandardHelpOptions = true,
            description =
                    "Validate FILE: every problem at once, each with the file, its path in the file"
                            + " and, where it has one, the line. When valid, print the effective"
                            + " configuration (secrets as their references). Exit 0 valid, 78"
                            + " invalid.")
    static final class Check implements Callable<Integer> {

        @Parameters(paramLabel = "FILE", description = "The configuration to check.")
        Path file;

        @Option(names = "--json", description = "Print the result as JSON.")
        boolean json;

        @Override
        public Integer call() {
            Report report = new Report("config check", json);
            report.root().put("file", file.toAbsolutePath().normalize().toString());
            ArrayNode problems = report.root().putArray("problems");
            try {
                TidelineConfig config = ConfigLoader.fromEnvironment().load(file);
                report.root().put("valid", true);
                if (!json) {
                    report.human().println("# " + file + " is valid. Effective configuration:");
                    report.human().print(ConfigLoader.toYaml(config));
                }
                return report.finish(Tideline.OK, "Configuration " + file + ": valid");
            } catch (ConfigException e) {
                report.root().put("valid", false);
                for (ConfigException.Problem p : e.problems()) {
                    ObjectNode n = problems.addObject();
                    n.put("path", p.path());
                    n.put("message", p.message());
                }
                report.human().println(e.getMessage());
                return report.finish(
                        Tideline.CONFIG,
                        "Configuration " + file + ": " + e.problems().size() + " problem(s)");
            }
        }
    }
}
