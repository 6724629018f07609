package dev.hotpath;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Closer}: newest first, every part even when one fails, and an interrupt is not lost. */
class CloserTest {

  @AfterEach
  void clearInterrupt() {
    Thread.interrupted();
  }

  @Test
  void aPartInterruptedWhileClosingLeavesTheThreadInterruptedAndTheOthersAreStillClosed() {
    List<String> closed = new ArrayList<>();
    Closer closer = new Closer();
    closer.add("oldest", () -> closed.add("oldest"));
    closer.add("waiting", () -> {
      closed.add("waiting");
      throw new InterruptedException("interrupted while waiting for a thread to end");
    });
    closer.add("failing", () -> {
      closed.add("failing");
      throw new IllegalStateException("cannot close");
    });

    closer.closeAll();

    assertThat(closed).containsExactly("failing", "waiting", "oldest");
    assertThat(closer.closed()).containsExactly("failing", "waiting", "oldest");
    assertThat(Thread.currentThread().isInterrupted()).as("the interrupt is kept for the caller").isTrue();
  }

  @Test
  void withoutAnInterruptTheThreadIsNotInterrupted() {
    Closer closer = new Closer();
    closer.add("part", () -> {});

    closer.closeAll();

    assertThat(Thread.currentThread().isInterrupted()).isFalse();
  }
}
