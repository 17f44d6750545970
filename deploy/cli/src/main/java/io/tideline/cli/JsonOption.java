/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The options every working subcommand shares. */
final class JsonOption {

    @Option(
            names = "--json",
            description =
                    "Print the summary as one JSON document on stdout (progress goes to stderr).")
    boolean json;

    @Option(
            names = {"-c", "--config"},
            paramLabel = "FILE",
            description =
                    "The Tideline configuration. Default: $TIDELINE_CONFIG, else the one `tideline"
                        + " local up` wrote (deploy/local/target/tideline/tideline-local.yaml).")
    Path config;
}
