/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.util.List;

/**
 * One call the emulator received.
 *
 * @param api {@code hubspot}, {@code salesforce} or {@code webhook}
 * @param operation the endpoint's operation ({@code upsert}, {@code create}, {@code update}, {@code
 *     archive}, {@code delete})
 * @param atMillis when it arrived, in milliseconds since the emulator started
 * @param status the HTTP status answered (for a timed-out call, the status it would have had)
 * @param fault the injected fault, or null
 * @param applied whether its records were applied to the emulator's state
 * @param keys the identifiers of its records (HubSpot id values, Salesforce external ids or ids,
 *     webhook keys)
 */
public record ReceivedCall(
        String api,
        String operation,
        double atMillis,
        int status,
        String fault,
        boolean applied,
        List<String> keys) {}
