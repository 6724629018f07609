package dev.hotpath.examples.marketdata;

import com.fasterxml.jackson.core.JsonGenerator;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/**
 * A JSON reply {@code {"success":…,"data":…,…}} serialized once, streamed from the values (no tree
 * of nodes), with the byte range of its {@code data} value kept so that the {@code ETag} is a hash
 * of bytes already written rather than of a second serialization. One per request; not thread-safe.
 */
final class JsonReply {
  /** Writes one part of the reply on the generator. */
  @FunctionalInterface
  interface Part {
    void write(JsonGenerator json) throws IOException;
  }

  private final Bytes body = new Bytes();
  private int dataStart;
  private int dataEnd;

  private JsonReply() {}

  /**
   * {@code {"success":<success>,"data":<data>,<rest>}}: {@code rest} writes further fields (or
   * nothing) of the reply object.
   */
  static JsonReply of(boolean success, Part data, Part rest) throws IOException {
    JsonReply reply = new JsonReply();
    try (JsonGenerator json = HttpIo.MAPPER.getFactory().createGenerator(reply.body)) {
      json.writeStartObject();
      json.writeBooleanField("success", success);
      json.writeFieldName("data");
      json.flush();
      reply.dataStart = reply.body.size();
      data.write(json);
      json.flush();
      reply.dataEnd = reply.body.size();
      rest.write(json);
      json.writeEndObject();
    }
    return reply;
  }

  /** {@code data} alone, for its {@link #etag()}. */
  static JsonReply ofData(Part data) throws IOException {
    return of(true, data, json -> {});
  }

  /**
   * A strong ETag of the {@code data} bytes: their length and two 32-bit CRCs (CRC-32C and CRC-32,
   * different polynomials, together 64 bits). Not a cryptographic hash, and it need not be: a
   * client can only ever be answered 304 for a tag it sent, so a forged collision gains nothing,
   * and an accidental one is about 2^-64 per change. Both CRCs are CPU intrinsics, several times
   * cheaper than SHA-256 over the hundreds of kilobytes of a large reply.
   */
  String etag() {
    CRC32C c = new CRC32C();
    c.update(body.bytes(), dataStart, dataEnd - dataStart);
    CRC32 d = new CRC32();
    d.update(body.bytes(), dataStart, dataEnd - dataStart);
    return String.format("\"%x-%08x%08x\"", dataEnd - dataStart, c.getValue(), d.getValue());
  }

  /** Sends the reply with {@code status}. */
  void send(HttpExchange exchange, int status) throws IOException {
    HttpIo.send(exchange, status, HttpIo.JSON, body.bytes(), body.size());
  }

  /** A byte buffer whose array is read in place, not copied. */
  private static final class Bytes extends ByteArrayOutputStream {
    Bytes() {
      super(16 * 1024);
    }

    byte[] bytes() {
      return buf;
    }
  }
}
