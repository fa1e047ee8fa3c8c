package dev.sparkgen.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The TCP sockets that processes listen on, from Linux's /proc: a socket is a process's when one of
 * its file descriptors links to {@code socket:[inode]}, and /proc/net/tcp{,6} give each inode's
 * local address and state (0A = LISTEN).
 */
final class ListeningSockets {
  private ListeningSockets() {}

  /** Whether /proc can answer (Linux). */
  static boolean available() {
    return Files.isReadable(Path.of("/proc/net/tcp")) && Files.isDirectory(Path.of("/proc/self/fd"));
  }

  /** The local addresses ("127.0.0.1:40123", "::1:5000", "0.0.0.0:4040") that these processes listen on. */
  static List<String> of(List<Long> pids) throws IOException {
    Set<String> inodes = new HashSet<>();
    for (long pid : pids) {
      Path fds = Path.of("/proc/" + pid + "/fd");
      try (Stream<Path> list = Files.list(fds)) {
        for (Path fd : list.toList()) {
          try {
            String target = Files.readSymbolicLink(fd).toString();
            if (target.startsWith("socket:[")) {
              inodes.add(target.substring(8, target.length() - 1));
            }
          } catch (IOException e) {
            // closed while listing
          }
        }
      } catch (IOException e) {
        // the process ended
      }
    }
    List<String> out = new ArrayList<>();
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.isReadable(p)) {
        continue;
      }
      for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
        String[] f = line.trim().split("\\s+");
        if (f[3].equals("0A") && inodes.contains(f[9])) {
          out.add(address(f[1]));
        }
      }
    }
    return out;
  }

  /** Whether a listening address is on the loopback interface. */
  static boolean loopback(String address) {
    return address.startsWith("127.") || address.startsWith("::1:") || address.startsWith("::ffff:127.");
  }

  /** "0100007F:0FA0" -> "127.0.0.1:4000"; IPv6 as four little-endian 32-bit words. */
  private static String address(String hex) {
    String[] hp = hex.split(":");
    int port = Integer.parseInt(hp[1], 16);
    String h = hp[0];
    if (h.length() == 8) {
      return ipv4(h) + ":" + port;
    }
    if (h.startsWith("0000000000000000FFFF0000")) {
      return "::ffff:" + ipv4(h.substring(24)) + ":" + port;
    }
    if (h.equals("00000000000000000000000001000000")) {
      return "::1:" + port;
    }
    if (h.equals("00000000000000000000000000000000")) {
      return ":::" + port; // every interface
    }
    return h + ":" + port;
  }

  private static String ipv4(String le) {
    StringBuilder sb = new StringBuilder();
    for (int i = 3; i >= 0; i--) {
      sb.append(Integer.parseInt(le.substring(2 * i, 2 * i + 2), 16));
      if (i > 0) {
        sb.append('.');
      }
    }
    return sb.toString();
  }
}
