package dev.hotpath.cache.redis;

import dev.hotpath.cache.InvalidationEvent;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.StreamMessage;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where this node is in each shard of the invalidation log, and the reading that moves it. A
 * channel message whose number is the next one is delivered at once; any other makes the follower
 * read the log from its position; a gap the log cannot cover (trimmed past the position, or
 * restarted) is reported to the subscribers as a loss. The positions, once the subscribers have
 * been handed what they cover, become the fences that fills are checked against ({@link
 * #publishFences}).
 *
 * <p>It exists apart from the bus because the numbering rules (next, duplicate, gap, trim,
 * restart) are the part of the bus that has to be read as one piece to be trusted. Bus thread only:
 * nothing here is synchronized. Logs under the bus's name.
 */
final class LogFollower {
  private static final Logger LOG = LoggerFactory.getLogger(RedisInvalidationBus.class);
  private static final int READ_BATCH = 512;
  private static final byte[] FIELD_SEQ = {'q'};
  private static final byte[] FIELD_RECORD = {'e'};

  private final RedisLink link;
  private final BusSubscribers subscribers;
  private final Position[] positions;
  private final LongAdder readFromLog = new LongAdder();

  LogFollower(RedisLink link, BusSubscribers subscribers) {
    this.link = link;
    this.subscribers = subscribers;
    this.positions = new Position[link.layout.shards()];
    for (int i = 0; i < positions.length; i++) {
      positions[i] = new Position(i);
    }
  }

  /** How many log shards the follower follows. */
  int shards() {
    return positions.length;
  }

  long readFromLog() {
    return readFromLog.sum();
  }

  /** At the bus's start: sets every position to its log's newest record, without reporting a loss. */
  void start() {
    for (Position p : positions) {
      initialize(p, false);
    }
  }

  /** A message from the channel: delivered if it is the next record, else the log is read. */
  void onMessage(byte[] bytes) {
    InvalidationRecord.Message m;
    try {
      m = InvalidationRecord.Message.parse(bytes);
    } catch (RuntimeException e) {
      LOG.debug("ignoring a foreign message on the invalidation channel");
      return;
    }
    if (m.shard() < 0 || m.shard() >= positions.length) {
      LOG.warn("invalidation message for log shard {} but this node has {}; are the nodes configured alike?",
          m.shard(), positions.length);
      return;
    }
    Position p = positions[m.shard()];
    if (!p.known || !m.id().isAfter(p.id)) {
      return; // Unknown: the next check initializes; not after: already read from the log.
    }
    if (m.seq() == p.seq + 1) {
      InvalidationEvent event;
      try {
        event = m.event();
      } catch (RuntimeException e) {
        readLog(p); // not past it: reading the log reports the record as a change this node missed
        return;
      }
      p.advance(m.seq(), m.id());
      subscribers.deliver(event);
      return;
    }
    readLog(p);
  }

  /**
   * Compares every shard's position with its log: reads what is newer, initializes an unknown
   * position, and reports a log that is gone, restarted behind the position, or replaced by one
   * whose newest record has the position's stream id but another number.
   *
   * <p>Stream ids alone cannot tell a log apart from its replacement: a log deleted and written
   * again (a restart without persistence, a failover, a deleted key) numbers its first record
   * from the clock, and within the millisecond of the record this node read last that is the
   * same id. The record's number, which the write script takes from the counter, differs.
   */
  void catchUp() {
    for (Position p : positions) {
      if (!p.known) {
        initialize(p, true);
        continue;
      }
      StreamMessage<byte[], byte[]> latest = latest(p.shard);
      if (latest == null) {
        if (p.seq > 0) {
          subscribers.lost("the invalidation log of shard " + p.shard
              + " is gone (Redis restarted or the log was deleted)");
          p.reset(0, StreamId.ZERO);
        }
      } else {
        StreamId id = StreamId.parse(latest.getId());
        if (id.isAfter(p.id)) {
          readLog(p);
        } else if (p.id.isAfter(id)) {
          subscribers.lost("the invalidation log of shard " + p.shard + " restarted behind this node's position");
          p.reset(seqOf(latest), id);
        } else if (seqOf(latest) != p.seq) {
          subscribers.lost("the invalidation log of shard " + p.shard + " was replaced (record " + seqOf(latest)
              + " under the id of record " + p.seq + ")");
          p.reset(seqOf(latest), id);
        }
      }
    }
  }

  /**
   * Moves the fences to the positions. The bus calls this only once the subscribers were handed
   * (and told of any loss up to) the positions, so a fill is never checked against records its
   * cache was not handed.
   */
  void publishFences() {
    for (Position p : positions) {
      link.setFence(p.shard, p.known ? p.seq : -1);
    }
  }

  /**
   * Sets the position to the log's newest record. After the first start, an unknown position
   * means changes may have been missed, so subscribers are told.
   */
  private void initialize(Position p, boolean afterStart) {
    StreamMessage<byte[], byte[]> latest = latest(p.shard);
    if (latest == null) {
      p.reset(0, StreamId.ZERO);
    } else {
      p.reset(seqOf(latest), StreamId.parse(latest.getId()));
    }
    if (afterStart) {
      subscribers.lost("the invalidation log position of shard " + p.shard + " was unknown");
    }
  }

  private StreamMessage<byte[], byte[]> latest(int shard) {
    List<StreamMessage<byte[], byte[]>> last =
        link.await(link.commands().xrevrange(link.layout.logKey(shard), Range.unbounded(), Limit.from(1)));
    return last.isEmpty() ? null : last.get(0);
  }

  /**
   * Delivers the log's records after the position. A record that is not the next number means
   * the log was trimmed past this node or restarted: subscribers are told, then reading goes on.
   */
  private void readLog(Position p) {
    while (true) {
      StreamId from = new StreamId(p.id.millis(), p.id.sequence() + 1);
      List<StreamMessage<byte[], byte[]>> batch =
          link.await(
              link.commands().xrange(
                  link.layout.logKey(p.shard),
                  Range.create(from.toString(), "+"),
                  Limit.from(READ_BATCH)));
      for (StreamMessage<byte[], byte[]> entry : batch) {
        long seq = seqOf(entry);
        if (seq != p.seq + 1) {
          subscribers.lost("invalidation log shard " + p.shard + " jumped from " + p.seq + " to " + seq
              + " (trimmed past this node, or restarted)");
        }
        p.advance(seq, StreamId.parse(entry.getId()));
        readFromLog.increment();
        byte[] record = field(entry.getBody(), FIELD_RECORD);
        if (record != null) {
          try {
            subscribers.deliver(InvalidationRecord.decode(record, 0));
          } catch (RuntimeException e) {
            // A change this node cannot read (a newer node's format during a rolling upgrade, a
            // damaged entry) is a change it missed: skipping it would keep a stale copy.
            subscribers.lost("an unreadable invalidation record " + entry.getId() + " in log shard " + p.shard
                + " (" + e.getMessage() + ")");
          }
        }
      }
      if (batch.size() < READ_BATCH) {
        return;
      }
    }
  }

  private static long seqOf(StreamMessage<byte[], byte[]> entry) {
    byte[] seq = field(entry.getBody(), FIELD_SEQ);
    return seq == null ? -1 : Long.parseLong(new String(seq, StandardCharsets.US_ASCII));
  }

  /** Lettuce returns stream fields in a map keyed by byte arrays, which compare by identity. */
  private static byte[] field(Map<byte[], byte[]> body, byte[] name) {
    for (Map.Entry<byte[], byte[]> e : body.entrySet()) {
      if (Arrays.equals(e.getKey(), name)) {
        return e.getValue();
      }
    }
    return null;
  }

  /** Where this node is in one log shard. */
  private static final class Position {
    final int shard;
    boolean known;
    long seq;
    StreamId id = StreamId.ZERO;

    Position(int shard) {
      this.shard = shard;
    }

    void advance(long seq, StreamId id) {
      this.seq = seq;
      this.id = id;
    }

    void reset(long seq, StreamId id) {
      this.known = true;
      this.seq = seq;
      this.id = id;
    }
  }
}
