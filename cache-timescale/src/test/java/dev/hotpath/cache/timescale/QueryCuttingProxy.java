package dev.hotpath.cache.timescale;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay in front of a real PostgreSQL that lets the first {@code connectionsToCut}
 * connections log in and then cuts each of them when the client sends its first query: a network
 * fault at the moment a pool sets up a fresh connection. Later connections are relayed untouched.
 * Reads the client's side of the wire protocol only as far as message boundaries; the server's side
 * is copied as it is.
 */
final class QueryCuttingProxy implements AutoCloseable {
  private final ServerSocket listener;
  private final String targetHost;
  private final int targetPort;
  private final AtomicInteger toCut;
  private final AtomicInteger cut = new AtomicInteger();
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();

  QueryCuttingProxy(String targetHost, int targetPort, int connectionsToCut) throws IOException {
    this.targetHost = targetHost;
    this.targetPort = targetPort;
    this.toCut = new AtomicInteger(connectionsToCut);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "query-cutting-proxy");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  int port() {
    return listener.getLocalPort();
  }

  /** How many connections were cut so far. */
  int cut() {
    return cut.get();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        Socket server = new Socket(targetHost, targetPort);
        sockets.add(client);
        sockets.add(server);
        boolean cutThis = toCut.getAndDecrement() > 0;
        start(() -> relayClient(client, server, cutThis));
        start(() -> copy(server, client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void start(Runnable relay) {
    Thread t = new Thread(relay, "query-cutting-proxy-relay");
    t.setDaemon(true);
    t.start();
  }

  /** Relays the startup packet, then typed messages, cutting at the first query if asked. */
  private void relayClient(Socket client, Socket server, boolean cutAtFirstQuery) {
    try (client;
        server) {
      DataInputStream in = new DataInputStream(client.getInputStream());
      OutputStream out = server.getOutputStream();
      int length = in.readInt(); // the startup packet has no type byte
      out.write(intBytes(length));
      out.write(in.readNBytes(length - 4));
      while (true) {
        int type = in.read();
        if (type < 0) {
          return;
        }
        if (cutAtFirstQuery && (type == 'Q' || type == 'P')) {
          cut.incrementAndGet();
          return; // closes both sides
        }
        length = in.readInt();
        out.write(type);
        out.write(intBytes(length));
        out.write(in.readNBytes(length - 4));
      }
    } catch (EOFException | java.net.SocketException e) {
      // one side closed
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static void copy(Socket from, Socket to) {
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      in.transferTo(out);
    } catch (IOException e) {
      // one side closed
    } finally {
      try {
        to.shutdownOutput();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
