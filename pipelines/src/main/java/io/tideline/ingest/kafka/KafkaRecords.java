/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.ingest.kafka;

import io.tideline.ingest.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka records as they are: the value's bytes (never decoded here, so that a bad record reaches
 * validation and the quarantine instead of failing the source), the record timestamp as ingestion
 * time, and {@code topic/partition/offset}.
 */
public final class KafkaRecords implements KafkaRecordDeserializationSchema<RawRecord> {

    private static final long serialVersionUID = 1L;
    private static final byte[] EMPTY = new byte[0];

    private final String source;

    public KafkaRecords(String source) {
        this.source = source;
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        out.collect(
                new RawRecord(
                        source,
                        record.topic() + "/" + record.partition() + "/" + record.offset(),
                        record.timestamp(),
                        record.value() == null ? EMPTY : record.value(),
                        null));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
