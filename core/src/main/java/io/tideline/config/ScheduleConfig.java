/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.config;

import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.parser.CronParser;
import java.time.Duration;

/**
 * When the scheduler runs a sync: a five-field Unix cron expression evaluated in UTC ({@code cron:
 * "0 * * * *"}), or a fixed {@code interval} ({@code 15m}). Exactly one of the two.
 */
public record ScheduleConfig(String cron, Duration interval) {

    /** The cron parser every schedule uses: Unix syntax (minute hour day month weekday). */
    public static CronParser cronParser() {
        return new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
    }

    void validate(Problems problems) {
        if ((cron == null) == (interval == null)) {
            problems.here(
                    "expected exactly one of cron (a Unix cron expression in UTC, such as"
                            + " \"*/15 * * * *\") or interval (such as 15m)");
            return;
        }
        if (cron != null) {
            try {
                cronParser().parse(cron).validate();
            } catch (IllegalArgumentException e) {
                problems.add(
                        "cron",
                        "expected a Unix cron expression (minute hour day-of-month month"
                                + " day-of-week) such as \"*/15 * * * *\", got '"
                                + cron
                                + "': "
                                + e.getMessage());
            }
        } else {
            problems.require(interval.toMillis() >= 1000, "interval", "expected at least 1s");
        }
    }
}
