/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.util.Collection;
import java.util.List;

/**
 * What {@link SaasEmulator} shares with the APIs it speaks ({@link HubSpotApi}, {@link
 * SalesforceCollectionsApi}, {@link SalesforceBulkApi}, {@link WebhookApi}): its options, the
 * object stores, the ids it hands out and the seeded per-record rejections. The bearer-token check,
 * rate limits, call faults and the call log stay in the emulator, which hands a call to an API only
 * once it got past them, and only under its lock: none of this is thread-safe on its own.
 */
interface EmulatorContext {

    EmulatorOptions options();

    /** The HubSpot objects of a type (created empty on first use). */
    ObjectStore hubspotObjects(String type);

    /** The Salesforce records of an sObject (created empty on first use). */
    ObjectStore salesforceRecords(String sobject);

    /** The Salesforce records of every sObject, in the order the sObjects were first used. */
    Collection<ObjectStore> salesforceTables();

    /** The records a webhook holds (created empty on first use). */
    ObjectStore webhookRecords(String name);

    /** The Salesforce Bulk API 2.0 ingest jobs. */
    SalesforceBulk bulkJobs();

    /** A new HubSpot object id (numeric, from the same sequence as Salesforce ids). */
    String newHubSpotId();

    /** A new Salesforce record id ({@code 003...}). */
    String newSalesforceId();

    /** Whether to reject a record, at the share {@code f} configures, from the seeded generator. */
    boolean rejectRecord(EmulatorOptions.Faults f);

    /** Shuffles lists, in turn, with the seeded generator. */
    void shuffle(List<?> first, List<?> second);
}
