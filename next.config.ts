import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // PGlite loads its WASM and data files from its own package folder, and the
  // postgres driver opens sockets: both stay outside the server bundle.
  serverExternalPackages: ['@electric-sql/pglite', 'postgres'],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
