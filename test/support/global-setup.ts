// Replaced by the foundation's real setup (Postgres + Redis) shortly.
export default async function setup(): Promise<void> {}
