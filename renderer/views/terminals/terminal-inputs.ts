/**
 * Where typed input goes: each mounted pane registers a writer for its terminal, so broadcast can
 * send one keystroke to several terminals without the bytes ever entering a store.
 */
const writers = new Map<number, (data: string) => void>();

export function registerWriter(id: number, write: (data: string) => void): () => void {
  writers.set(id, write);
  return () => {
    if (writers.get(id) === write) writers.delete(id);
  };
}

/** Sends to `from`, or to every broadcast target when `from` is one of them (each gets it once). */
export function routeInput(from: number, data: string, broadcast: { on: boolean; targets: readonly number[] }): number[] {
  const to = broadcast.on && broadcast.targets.includes(from) ? [...new Set(broadcast.targets)] : [from];
  const reached: number[] = [];
  for (const id of to) {
    const write = writers.get(id);
    if (write) {
      write(data);
      reached.push(id);
    }
  }
  return reached;
}
