/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.destination;

import io.tideline.config.DestinationConfig;
import io.tideline.destination.hubspot.HubSpotDestination;
import io.tideline.destination.salesforce.SalesforceBulkDestination;
import io.tideline.destination.salesforce.SalesforceDestination;
import io.tideline.destination.webhook.WebhookDestination;

/** Creates the {@link Destination} a configuration entry describes. A new API plugs in here. */
public final class Destinations {

    private Destinations() {}

    public static Destination create(DestinationConfig config, String syncName) {
        return switch (config.type()) {
            case HUBSPOT -> new HubSpotDestination(config);
            case SALESFORCE -> new SalesforceDestination(config);
            case SALESFORCE_BULK -> new SalesforceBulkDestination(config);
            case WEBHOOK -> new WebhookDestination(config, syncName);
        };
    }
}
