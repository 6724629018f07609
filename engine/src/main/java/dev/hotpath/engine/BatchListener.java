package dev.hotpath.engine;

/**
 * Hears how far a batch has come, for progress bars and logs; set with {@link
 * BatchRequest#listener}. Called from engine threads (or, for a batch the in-process tier answers
 * whole, once from the thread that submits it), never twice at once for one batch, with
 * {@code done} growing from call to call (some values may be skipped); the last call has {@code
 * done == total}, just before the batch's future completes. It must be quick and must not throw
 * (what it throws is logged and ignored).
 */
@FunctionalInterface
public interface BatchListener {

  /**
   * @param done items of the batch that have a value or a failure
   * @param total items in the batch (distinct keys)
   */
  void onProgress(int done, int total);
}
