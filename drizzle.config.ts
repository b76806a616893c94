import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/*.sql.ts',
  out: './migrations',
  strict: true,
});
