export async function bootstrapEmbedded(): Promise<void> {}
