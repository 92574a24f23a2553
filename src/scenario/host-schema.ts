import { z } from 'zod';

/**
 * `host:` — settings only the host target reads (network namespaces, ports, load driver). Owned by
 * the host target; the simulator ignores it.
 */
export const hostSchema = z
  .strictObject({
    subnet: z
      .string()
      .regex(/^198\.(18|19)\.\d{1,3}\.\d{1,3}\/\d{1,2}$/, 'expected a subnet inside 198.18.0.0/15, such as 198.18.7.0/24')
      .optional()
      .meta({ description: 'Addresses of the test hosts (default: one /24 inside 198.18.0.0/15 per run)' }),
    appPort: z.number().int().min(1).max(65_535).optional().meta({ description: 'Port of the app servers (default 80)' }),
  })
  .meta({ description: 'Settings of the host target (network namespaces on this machine)' });
