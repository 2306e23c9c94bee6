// Placeholder replaced by the environment harness.
export default async function setup(): Promise<void> {}
