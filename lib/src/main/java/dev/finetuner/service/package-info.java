/**
 * The network layer on the official openai-java client: {@link dev.finetuner.service.FilesService}
 * (uploads, large ones in parts), {@link dev.finetuner.service.JobsService} (create, list, cancel,
 * pause, resume, checkpoints) and {@link dev.finetuner.service.JobFollower} (a job's event stream,
 * resumable, exactly once, in order), with one {@link dev.finetuner.service.RetryPolicy}. Knows nothing
 * of datasets beyond a file on disk.
 */
package dev.finetuner.service;
