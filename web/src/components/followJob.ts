import { api, type Job } from "../api";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Poll a job until it is no longer queued or running, telling `onUpdate` each state (a live progress bar without
 * reloading the page); returns the last state. */
export async function followJob(jobId: string, onUpdate: (job: Job) => void, intervalMs = 700): Promise<Job> {
  let current = await api.get<Job>(`/api/v1/jobs/${jobId}`);
  onUpdate(current);
  while (current.status === "queued" || current.status === "running") {
    await sleep(intervalMs);
    current = await api.get<Job>(`/api/v1/jobs/${jobId}`);
    onUpdate(current);
  }
  return current;
}
