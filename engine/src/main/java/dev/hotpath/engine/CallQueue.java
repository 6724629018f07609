package dev.hotpath.engine;

import java.util.ArrayDeque;

/**
 * The queued source calls, one FIFO per priority, and the rule that picks the next: the highest
 * priority with calls, unless a lower one has been passed over {@link #PATIENCE} times in a row,
 * which is then served (the lowest such first). Under a steady stream of HIGH calls, NORMAL gets at
 * least one call in four and LOW one in eight: aging counted in turns, not time, so it holds on any
 * machine and tests need no clock.
 *
 * <p>A call that leaves its queue (its keys were dropped, or it moved up to a higher priority)
 * stays in the deque as a stale entry and is skipped when reached; stale entries are compacted away
 * when they outnumber live ones, so the deques never outgrow the calls they hold by more than
 * twice. Guarded by the engine's lock.
 */
final class CallQueue<K> {

  /** Turns a queue may be passed over before it is served: never for HIGH, 3 for NORMAL, 7 for LOW. */
  static final int[] PATIENCE = {Integer.MAX_VALUE, 3, 7};

  private static final int COMPACT_AT = 64;

  private final ArrayDeque<Call<K>>[] queues;
  private final int[] live = new int[3];
  private final int[] stale = new int[3];
  private final int[] passedOver = new int[3];

  @SuppressWarnings("unchecked")
  CallQueue() {
    queues = new ArrayDeque[3];
    for (int i = 0; i < 3; i++) {
      queues[i] = new ArrayDeque<>();
    }
  }

  void addLast(Call<K> call) {
    int p = call.priority.ordinal();
    call.queuedIn = p;
    call.state = Call.State.QUEUED;
    queues[p].addLast(call);
    live[p]++;
  }

  /** Puts a call back at the head of its queue (a refused call waiting out a pause, a retry). */
  void addFirst(Call<K> call) {
    int p = call.priority.ordinal();
    call.queuedIn = p;
    call.state = Call.State.QUEUED;
    queues[p].addFirst(call);
    live[p]++;
  }

  /** Takes a queued call out (dropped or moving); its deque entry becomes stale. */
  void remove(Call<K> call) {
    int p = call.queuedIn;
    if (p < 0) {
      return;
    }
    call.queuedIn = -1;
    live[p]--;
    stale[p]++;
    if (stale[p] >= COMPACT_AT && stale[p] > live[p]) {
      queues[p].removeIf(c -> c.queuedIn != p);
      stale[p] = 0;
    }
  }

  /** Moves a queued call to a higher priority's queue, at its tail. */
  void promote(Call<K> call, Priority to) {
    if (to.ordinal() >= call.priority.ordinal()) {
      return;
    }
    remove(call);
    call.priority = to;
    addLast(call);
  }

  /** The next call by priority and aging, or null when none is queued. */
  Call<K> poll() {
    int chosen = -1;
    for (int p = 2; p >= 1; p--) {
      if (live[p] > 0 && passedOver[p] >= PATIENCE[p]) {
        chosen = p;
        break;
      }
    }
    if (chosen < 0) {
      for (int p = 0; p < 3 && chosen < 0; p++) {
        if (live[p] > 0) {
          chosen = p;
        }
      }
    }
    if (chosen < 0) {
      return null;
    }
    for (int p = chosen + 1; p < 3; p++) {
      if (live[p] > 0) {
        passedOver[p]++;
      }
    }
    passedOver[chosen] = 0;
    ArrayDeque<Call<K>> queue = queues[chosen];
    for (;;) {
      Call<K> call = queue.pollFirst();
      if (call.queuedIn == chosen) {
        call.queuedIn = -1;
        live[chosen]--;
        return call;
      }
      stale[chosen]--;
    }
  }

  /** Calls queued at {@code priority}. */
  int size(Priority priority) {
    return live[priority.ordinal()];
  }

  int size() {
    return live[0] + live[1] + live[2];
  }
}
