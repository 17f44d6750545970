/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.time.Duration;

/**
 * How a {@link SaasEmulator} behaves: its token, its limits and the faults it injects.
 *
 * @param port the port to listen on; 0 takes a free one
 * @param token the bearer token every request must carry
 * @param seed the seed of the fault injection, so that a run can be repeated
 * @param rateLimitRequests requests allowed in any rolling window of {@code rateLimitWindow}
 *     (HubSpot Free/Starter: 100 per 10 s), for each API
 * @param rateLimitWindow the rolling window
 * @param dailyLimit requests per day before HubSpot answers 429 {@code DAILY} and Salesforce 403
 *     {@code REQUEST_LIMIT_EXCEEDED}
 * @param hubspotMaxBatch inputs per HubSpot batch call (100)
 * @param salesforceMaxBatch records per sObject Collections call (200)
 * @param webhookMaxBatch records per webhook call
 * @param webhookSecret the HMAC-SHA256 key webhook calls must be signed with, Stripe's way ({@code
 *     X-Tideline-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">}); a timestamp
 *     more than 5 minutes away from the emulator's clock, or a signature already received (a
 *     replay), is refused with 401; null accepts any
 * @param faults the faults injected, changeable while running with {@link SaasEmulator#setFaults}
 */
public record EmulatorOptions(
        int port,
        String token,
        long seed,
        int rateLimitRequests,
        Duration rateLimitWindow,
        long dailyLimit,
        int hubspotMaxBatch,
        int salesforceMaxBatch,
        int webhookMaxBatch,
        String webhookSecret,
        Faults faults) {

    /** Named defaults: HubSpot Free/Starter limits, no faults, a random free port. */
    public static EmulatorOptions defaults(String token) {
        return new EmulatorOptions(
                0,
                token,
                42L,
                100,
                Duration.ofSeconds(10),
                250_000,
                100,
                200,
                1000,
                null,
                Faults.NONE);
    }

    public EmulatorOptions withRateLimit(int requests, Duration window) {
        return new EmulatorOptions(
                port,
                token,
                seed,
                requests,
                window,
                dailyLimit,
                hubspotMaxBatch,
                salesforceMaxBatch,
                webhookMaxBatch,
                webhookSecret,
                faults);
    }

    public EmulatorOptions withDailyLimit(long dailyLimit) {
        return new EmulatorOptions(
                port,
                token,
                seed,
                rateLimitRequests,
                rateLimitWindow,
                dailyLimit,
                hubspotMaxBatch,
                salesforceMaxBatch,
                webhookMaxBatch,
                webhookSecret,
                faults);
    }

    public EmulatorOptions withWebhook(int maxBatch, String secret) {
        return new EmulatorOptions(
                port,
                token,
                seed,
                rateLimitRequests,
                rateLimitWindow,
                dailyLimit,
                hubspotMaxBatch,
                salesforceMaxBatch,
                maxBatch,
                secret,
                faults);
    }

    public EmulatorOptions withFaults(Faults faults) {
        return new EmulatorOptions(
                port,
                token,
                seed,
                rateLimitRequests,
                rateLimitWindow,
                dailyLimit,
                hubspotMaxBatch,
                salesforceMaxBatch,
                webhookMaxBatch,
                webhookSecret,
                faults);
    }

    public EmulatorOptions withPortAndSeed(int port, long seed) {
        return new EmulatorOptions(
                port,
                token,
                seed,
                rateLimitRequests,
                rateLimitWindow,
                dailyLimit,
                hubspotMaxBatch,
                salesforceMaxBatch,
                webhookMaxBatch,
                webhookSecret,
                faults);
    }

    /**
     * Faults injected per call (shares between 0 and 1, drawn from the seeded generator).
     *
     * @param throttled share of calls answered 429 as if throttled
     * @param serverError share of calls answered 500/502/503
     * @param timeout share of calls that are applied but answered only after {@code timeoutDelay}
     *     (longer than the client's timeout)
     * @param recordRejection share of records rejected one by one (HubSpot 207, Salesforce {@code
     *     success:false})
     * @param timeoutDelay how long a timed-out call hangs
     * @param latency the delay before every answer
     * @param slow share of calls that are applied and answered after {@code slowDelay} (a slow
     *     answer, not a timeout)
     * @param slowDelay how long a slow answer takes
     */
    public record Faults(
            double throttled,
            double serverError,
            double timeout,
            double recordRejection,
            Duration timeoutDelay,
            Duration latency,
            double slow,
            Duration slowDelay) {

        public static final Faults NONE =
                new Faults(0, 0, 0, 0, Duration.ofSeconds(5), Duration.ZERO);

        public Faults(
                double throttled,
                double serverError,
                double timeout,
                double recordRejection,
                Duration timeoutDelay,
                Duration latency) {
            this(
                    throttled,
                    serverError,
                    timeout,
                    recordRejection,
                    timeoutDelay,
                    latency,
                    0,
                    Duration.ZERO);
        }

        /** The same, with {@code share} of the calls answered slowly after {@code delay}. */
        public Faults withSlow(double share, Duration delay) {
            return new Faults(
                    throttled,
                    serverError,
                    timeout,
                    recordRejection,
                    timeoutDelay,
                    latency,
                    share,
                    delay);
        }

        /** Call faults only, split evenly between 429, 5xx and timeouts. */
        public static Faults calls(double share, Duration timeoutDelay) {
            return new Faults(share / 3, share / 3, share / 3, 0, timeoutDelay, Duration.ZERO);
        }

        public Faults withRecordRejection(double share) {
            return new Faults(
                    throttled, serverError, timeout, share, timeoutDelay, latency, slow, slowDelay);
        }

        public Faults withLatency(Duration latency) {
            return new Faults(
                    throttled,
                    serverError,
                    timeout,
                    recordRejection,
                    timeoutDelay,
                    latency,
                    slow,
                    slowDelay);
        }
    }
}
