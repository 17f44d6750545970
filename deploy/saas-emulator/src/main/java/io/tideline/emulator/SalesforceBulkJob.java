/*
 * Licensed under the Apache License, Version 2.0. See the LICENSE file in the project root.
 */
package io.tideline.emulator;

import java.util.List;

/**
 * A Salesforce Bulk API 2.0 ingest job as the emulator holds it.
 *
 * @param id the job id ({@code 750...})
 * @param object the sObject
 * @param operation {@code insert}, {@code upsert}, {@code update} or {@code delete}
 * @param externalIdFieldName the external-id field of an upsert, else null
 * @param state {@code Open}, {@code UploadComplete}, {@code InProgress}, {@code JobComplete},
 *     {@code Failed} or {@code Aborted}
 * @param columns the header row of the uploaded CSV (empty before the upload)
 * @param records the data rows uploaded
 * @param processed the rows processed (once complete)
 * @param failed the rows that failed (once complete)
 * @param calls the calls made on this job, in order: {@code create}, {@code upload}, {@code close},
 *     {@code abort}, {@code poll:<state answered>}, {@code successfulResults}, {@code
 *     failedResults} (only the ones answered 2xx)
 */
public record SalesforceBulkJob(
        String id,
        String object,
        String operation,
        String externalIdFieldName,
        String state,
        List<String> columns,
        int records,
        int processed,
        int failed,
        List<String> calls) {}
