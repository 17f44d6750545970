/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.sync;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.tideline.ledger.Counts;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * What one run did, written as JSON to the ledger ({@code reverse_etl.runs.report}) and printed as
 * a table at the end of the run.
 *
 * @param status {@code succeeded}, {@code failed} (stopped early: see {@code reason}), {@code
 *     dry-run} or {@code skipped} (could not start: see {@code reason})
 * @param alerts why this run is an alert (fatal error, rejected share above its threshold, volume
 *     drop); empty when it is not
 * @param invalidSamples up to 20 invalid rows, with the reason
 * @param rejectedSamples up to 20 rejected rows, with the destination's reason
 * @param samplePayloads dry runs only: the request bodies the first batches would carry
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RunReport(
        long runId,
        String sync,
        String destination,
        String mode,
        boolean dryRun,
        String status,
        String reason,
        Instant startedAt,
        Instant finishedAt,
        long durationMs,
        Counts counts,
        long retries,
        long throttled,
        long splits,
        String destinationUsage,
        List<String> alerts,
        List<Sample> invalidSamples,
        List<Sample> rejectedSamples,
        List<String> samplePayloads) {

    /** One row of a sample: its key and why. */
    public record Sample(String key, String reason) {}

    private static final ObjectMapper JSON =
            new ObjectMapper()
                    .registerModule(new JavaTimeModule())
                    .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                    .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    public boolean succeeded() {
        return status.equals("succeeded") || status.equals("dry-run");
    }

    public boolean alerting() {
        return !alerts.isEmpty();
    }

    public String toJson() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The readable table printed at the end of a run. */
    public String toTable() {
        StringBuilder b = new StringBuilder();
        String title =
                String.format(
                        Locale.ROOT,
                        "Sync %s → %s (%s%s): %s",
                        sync,
                        destination,
                        mode,
                        dryRun ? ", dry run" : "",
                        status.toUpperCase(Locale.ROOT));
        b.append(title).append('\n');
        if (reason != null) {
            b.append("  reason: ").append(reason).append('\n');
        }
        String line = "+-----------------+-------------+\n";
        b.append(line);
        row(b, "queried", counts.queried());
        row(b, "  invalid", counts.invalid());
        row(b, "  unchanged", counts.unchanged());
        row(b, "  held (parked)", counts.held());
        row(b, "  sent", counts.sent());
        row(b, "    succeeded", counts.succeeded());
        row(b, "    rejected", counts.rejected());
        row(b, "      new", counts.newRejected());
        row(b, "      parked", counts.parked());
        row(b, "  pending", counts.pending());
        row(b, "retried", counts.retried());
        row(b, "deleted", counts.deleted());
        row(b, "delete rejected", counts.deleteRejected());
        b.append(line);
        row(b, "calls", counts.calls());
        row(b, "  batches", counts.batches());
        row(b, "  retries", counts.retries());
        row(b, "throttled (429)", throttled);
        row(b, "split batches", splits);
        b.append(line);
        b.append(
                String.format(
                        Locale.ROOT,
                        "  run %d, %.1f s%s%n",
                        runId,
                        durationMs / 1000.0,
                        destinationUsage == null ? "" : ", destination usage " + destinationUsage));
        for (String a : alerts) {
            b.append("  ALERT: ").append(a).append('\n');
        }
        for (Sample s : rejectedSamples) {
            b.append("  rejected ").append(s.key()).append(": ").append(s.reason()).append('\n');
        }
        for (Sample s : invalidSamples) {
            b.append("  invalid ").append(s.key()).append(": ").append(s.reason()).append('\n');
        }
        if (samplePayloads != null) {
            b.append("  a dry run sends nothing; pending rows would be sent. Sample requests:\n");
            for (String p : samplePayloads) {
                b.append("  ").append(p.replace("\n", "\n  ")).append('\n');
            }
        }
        return b.toString();
    }

    private static void row(StringBuilder b, String name, long value) {
        b.append(String.format(Locale.ROOT, "| %-15s | %11d |%n", name, value));
    }
}
