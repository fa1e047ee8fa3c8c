package dev.sparkgen.job.resume;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sparkgen.job.error.SetupException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One run at a time on a sliced output: a live holder refuses a second run, naming itself and the
 * file; a holder that is surely gone (its process ended on this host, or silent past the stale
 * time) is taken over; closing releases the lock, and a lock that is not ours is left alone.
 */
class OutputLockTest {
  @TempDir Path tmp;
  private static final Configuration HADOOP = new Configuration();

  @Test
  void aLiveHolderRefusesASecondRunNamingItAndTheFile() {
    String out = tmp.resolve("out").toString();
    try (OutputLock first = OutputLock.acquire(HADOOP, out, "app-1")) {
      SetupException e = assertThrows(SetupException.class, () -> OutputLock.acquire(HADOOP, out, "app-2"));
      assertTrue(e.getMessage().contains("is in use by another run") && e.getMessage().contains("\"app\":\"app-1\"")
          && e.getMessage().contains(OutputLock.FILE), e.getMessage());
    }
    // Released: the next run takes it.
    assertFalse(Files.exists(tmp.resolve("out").resolve(OutputLock.FILE)));
    OutputLock.acquire(HADOOP, out, "app-3").close();
  }

  @Test
  void aLockLeftByAProcessThatEndedOnThisHostIsTakenOver() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("out"));
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    Files.writeString(dir.resolve(OutputLock.FILE), "{\"host\":\"" + java.net.InetAddress.getLocalHost().getHostName()
        + "\",\"pid\":" + p.pid() + ",\"app\":\"killed\",\"started\":\"" + Instant.now() + "\"}");
    try (OutputLock lock = OutputLock.acquire(HADOOP, dir.toString(), "app-2")) {
      assertTrue(Files.readString(dir.resolve(OutputLock.FILE)).contains("app-2"));
    }
  }

  @Test
  void aLockOfAnotherHostIsTakenOverOnlyAfterItsHeartbeatStops() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("out"));
    Path file = dir.resolve(OutputLock.FILE);
    Files.writeString(file, "{\"host\":\"another-host\",\"pid\":1,\"app\":\"elsewhere\",\"started\":\"x\"}");
    assertThrows(SetupException.class, () -> OutputLock.acquire(HADOOP, dir.toString(), "app-2"));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(OutputLock.STALE_SECONDS + 5)));
    try (OutputLock lock = OutputLock.acquire(HADOOP, dir.toString(), "app-2")) {
      assertTrue(Files.readString(file).contains("app-2"));
    }
  }

  @Test
  void closingALockAnotherRunTookOverLeavesTheirs() throws Exception {
    Path dir = tmp.resolve("out");
    Path file = dir.resolve(OutputLock.FILE);
    OutputLock mine = OutputLock.acquire(HADOOP, dir.toString(), "app-1");
    Files.delete(dir.resolve("." + OutputLock.FILE + ".crc")); // written behind Hadoop's back: no checksum
    Files.writeString(file, "{\"host\":\"another-host\",\"pid\":1,\"app\":\"theirs\",\"started\":\"x\"}");
    mine.close();
    assertTrue(Files.readString(file).contains("theirs"));
  }
}
