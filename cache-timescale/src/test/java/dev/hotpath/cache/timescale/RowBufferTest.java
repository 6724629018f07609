package dev.hotpath.cache.timescale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RowBufferTest {

  @Test
  void givingUpWithoutATakenBatchSettlesTheQueuedRowsAsLost() throws InterruptedException {
    // A flusher interrupted before it took a batch gives up with none in hand.
    RowBuffer buffer = new RowBuffer(10, 5, TimeSeriesWriter.Overflow.BLOCK);
    for (int i = 0; i < 3; i++) {
      assertTrue(buffer.offer(new Object[] {i}, 0));
    }

    assertEquals(3, buffer.giveUp(null));

    assertEquals(3, buffer.lost());
    assertTrue(buffer.awaitSettled(0), "every accepted row is settled, so flush has nothing to wait for");
  }

  @Test
  void givingUpSettlesTheQueueAndTheRestOfTheBatchInHand() throws InterruptedException {
    RowBuffer buffer = new RowBuffer(10, 2, TimeSeriesWriter.Overflow.BLOCK);
    for (int i = 0; i < 5; i++) {
      assertTrue(buffer.offer(new Object[] {i}, 0));
    }
    RowBuffer.Batch batch = buffer.take(0);
    assertEquals(2, batch.size());
    buffer.settleWritten(batch, 1);

    assertEquals(4, buffer.giveUp(batch), "three queued rows and the batch's unwritten one");

    assertEquals(4, buffer.lost());
    assertTrue(buffer.awaitSettled(0));
  }
}
