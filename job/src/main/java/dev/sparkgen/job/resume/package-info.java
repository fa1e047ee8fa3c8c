/**
 * mode=resume: the output written in slices, each committed atomically, with a manifest naming
 * the committed ones and the settings they were made with. {@link dev.sparkgen.job.resume.Slices}
 * assigns rows to slices, {@link dev.sparkgen.job.resume.ResumeSettings} says what must match, and
 * {@link dev.sparkgen.job.resume.SlicedOutput} owns the folder (manifest, commits, clean-up) and
 * {@link dev.sparkgen.job.resume.OutputLock} keeps it to one run at a time.
 */
package dev.sparkgen.job.resume;
