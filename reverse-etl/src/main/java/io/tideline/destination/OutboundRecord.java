/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import java.util.Map;

/**
 * One record on its way to a destination.
 *
 * @param key the source row's primary key (the ledger's key)
 * @param identity the value of the destination's identifying field (an email), or the key for a
 *     webhook
 * @param destinationId the destination's own id of the record, once known (HubSpot object id,
 *     Salesforce Id)
 * @param fields destination field → value, constants included
 */
public record OutboundRecord(
        String key, String identity, String destinationId, Map<String, Object> fields) {}
