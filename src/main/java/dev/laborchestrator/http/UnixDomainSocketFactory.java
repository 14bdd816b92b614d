package dev.laborchestrator.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import javax.net.SocketFactory;

/**
 * Sockets that reach a Unix domain socket (Nomad's Task API, {@code ${NOMAD_SECRETS_DIR}/api.sock})
 * whatever address OkHttp asks them to connect to. Built on the JDK's own {@code AF_UNIX} channels
 * (JEP 380), so no native library is needed; the channel is non-blocking underneath so that {@link
 * Socket#setSoTimeout read timeouts} hold, which OkHttp relies on when it checks a pooled
 * connection.
 */
final class UnixDomainSocketFactory extends SocketFactory {
  private final Path path;

  UnixDomainSocketFactory(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  Path path() {
    return path;
  }

  @Override
  public Socket createSocket() {
    return new UnixDomainSocket(path);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected();
  }

  private Socket connected() throws IOException {
    Socket socket = createSocket();
    socket.connect(null);
    return socket;
  }

  /** A connected {@code AF_UNIX} channel behind the {@link Socket} API that OkHttp uses. */
  static final class UnixDomainSocket extends Socket {
    private final Path path;
    private final Object lock = new Object();
    private volatile SocketChannel channel;
    private Selector readable;
    private Selector writable;
    private volatile int timeoutMillis;
    private volatile boolean closed;
    private volatile boolean inputShutdown;
    private volatile boolean outputShutdown;
    private final InputStream in = new In();
    private final OutputStream out = new Out();

    UnixDomainSocket(Path path) {
      this.path = path;
    }

    /** Connects to the socket file; the address OkHttp passes (localhost) is ignored. */
    @Override
    public void connect(SocketAddress ignored, int timeout) throws IOException {
      synchronized (lock) {
        if (closed) {
          throw new SocketException("Socket is closed");
        }
        if (channel != null) {
          throw new SocketException("already connected");
        }
        SocketChannel opened = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
          opened.connect(UnixDomainSocketAddress.of(path));
          opened.configureBlocking(false);
          readable = Selector.open();
          writable = Selector.open();
          opened.register(readable, SelectionKey.OP_READ);
          opened.register(writable, SelectionKey.OP_WRITE);
        } catch (IOException e) {
          closeQuietly(opened);
          closeQuietly(readable);
          closeQuietly(writable);
          ConnectException failure =
              new ConnectException("cannot connect to unix socket " + path + ": " + e.getMessage());
          failure.initCause(e);
          throw failure;
        }
        channel = opened;
      }
    }

    @Override
    public void connect(SocketAddress ignored) throws IOException {
      connect(ignored, 0);
    }

    @Override
    public InputStream getInputStream() throws IOException {
      requireConnected();
      return in;
    }

    @Override
    public OutputStream getOutputStream() throws IOException {
      requireConnected();
      return out;
    }

    @Override
    public void setSoTimeout(int timeout) throws SocketException {
      if (timeout < 0) {
        throw new IllegalArgumentException("timeout < 0");
      }
      timeoutMillis = timeout;
    }

    @Override
    public int getSoTimeout() {
      return timeoutMillis;
    }

    @Override
    public void setTcpNoDelay(boolean on) {
      // not a TCP socket
    }

    @Override
    public void setKeepAlive(boolean on) {
      // not a TCP socket
    }

    @Override
    public boolean isConnected() {
      return channel != null;
    }

    @Override
    public boolean isBound() {
      return channel != null;
    }

    @Override
    public boolean isClosed() {
      return closed;
    }

    @Override
    public boolean isInputShutdown() {
      return inputShutdown;
    }

    @Override
    public boolean isOutputShutdown() {
      return outputShutdown;
    }

    @Override
    public void shutdownInput() throws IOException {
      requireConnected();
      channel.shutdownInput();
      inputShutdown = true;
    }

    @Override
    public void shutdownOutput() throws IOException {
      requireConnected();
      channel.shutdownOutput();
      outputShutdown = true;
    }

    /** Closes the channel and wakes up a read or write that waits on it, from any thread. */
    @Override
    public void close() throws IOException {
      synchronized (lock) {
        if (closed) {
          return;
        }
        closed = true;
        closeQuietly(readable);
        closeQuietly(writable);
        if (channel != null) {
          channel.close();
        }
      }
    }

    @Override
    public String toString() {
      return "UnixDomainSocket[" + path + (closed ? ", closed" : "") + "]";
    }

    private void requireConnected() throws SocketException {
      if (closed) {
        throw new SocketException("Socket is closed");
      }
      if (channel == null) {
        throw new SocketException("Socket is not connected");
      }
    }

    private static void closeQuietly(AutoCloseable closeable) {
      if (closeable == null) {
        return;
      }
      try {
        closeable.close();
      } catch (Exception e) {
        // closing on a failure path; the first failure is the one reported
      }
    }

    private final class In extends InputStream {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        if (length == 0) {
          return 0;
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        int timeout = timeoutMillis;
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeout);
        try {
          while (true) {
            requireConnected();
            if (inputShutdown) {
              return -1;
            }
            int n = channel.read(buffer);
            if (n != 0) {
              return n;
            }
            long wait = 0;
            if (timeout > 0) {
              wait = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
              if (wait <= 0) {
                throw new SocketTimeoutException("Read timed out");
              }
            }
            readable.select(wait);
            readable.selectedKeys().clear();
          }
        } catch (ClosedSelectorException e) {
          throw new SocketException("Socket closed");
        }
      }

      @Override
      public void close() throws IOException {
        UnixDomainSocket.this.close();
      }
    }

    private final class Out extends OutputStream {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] bytes, int offset, int length) throws IOException {
        Objects.checkFromIndexSize(offset, length, bytes.length);
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        try {
          while (buffer.hasRemaining()) {
            requireConnected();
            if (outputShutdown) {
              throw new SocketException("Socket output is shut down");
            }
            if (channel.write(buffer) == 0) {
              writable.select();
              writable.selectedKeys().clear();
            }
          }
        } catch (ClosedSelectorException e) {
          throw new SocketException("Socket closed");
        }
      }

      @Override
      public void close() throws IOException {
        UnixDomainSocket.this.close();
      }
    }
  }
}
