package dev.sparkgen.job;

import java.io.IOException;
import java.net.URI;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.util.Progressable;

/**
 * The local file system under the scheme {@code nosummary:}, refusing to create {@code _summary.json}:
 * a job whose rows are written fails after the write (tests register it as {@code fs.nosummary.impl}).
 */
public class SummaryRefusingFileSystem extends RawLocalFileSystem {
  public static final String SCHEME = "nosummary";

  @Override
  public URI getUri() {
    return URI.create(SCHEME + ":///");
  }

  @Override
  public String getScheme() {
    return SCHEME;
  }

  @Override
  public FSDataOutputStream create(Path f, FsPermission permission, boolean overwrite, int bufferSize,
      short replication, long blockSize, Progressable progress) throws IOException {
    if (f.getName().equals("_summary.json")) {
      throw new IOException("this file system refuses " + f);
    }
    return super.create(f, permission, overwrite, bufferSize, replication, blockSize, progress);
  }

  @Override
  public FSDataOutputStream create(Path f, boolean overwrite, int bufferSize, short replication, long blockSize,
      Progressable progress) throws IOException {
    if (f.getName().equals("_summary.json")) {
      throw new IOException("this file system refuses " + f);
    }
    return super.create(f, overwrite, bufferSize, replication, blockSize, progress);
  }
}
