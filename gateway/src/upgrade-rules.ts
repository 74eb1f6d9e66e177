import type { Config, Logger } from '@cmf/shared';
import { ConnectRate } from './connect-rate.js';
import { jwtAuthRule } from './jwt-auth-rule.js';
import { originRule } from './origin-rule.js';
import type { UpgradeRule } from './upgrade-policy.js';

/**
 * The upgrade rules the configuration asks for, cheapest first, so a flood is refused before it
 * costs a signature check: connects per second per source, then Origin, then the token. The
 * composition roots build them here, in one place; the gateway adds its own state's rules
 * (accepting, MAX_CONNECTIONS) in front.
 */
export function upgradeRules(config: Config, logger: Logger): UpgradeRule[] {
  const rules = [
    new ConnectRate({ perSecond: config.MAX_CONNECTS_PER_S, trustProxyHops: config.TRUST_PROXY_HOPS }).rule,
    originRule({ allowed: config.ALLOWED_ORIGINS, required: config.REQUIRE_ORIGIN }),
  ];
  if (config.JWT_SECRET || config.JWT_JWKS_URL) {
    rules.push(
      jwtAuthRule({
        secret: config.JWT_SECRET,
        jwksUrl: config.JWT_JWKS_URL,
        audience: config.JWT_AUDIENCE,
        issuer: config.JWT_ISSUER,
        rolesClaim: config.JWT_ROLES_CLAIM,
      }, logger.child('gateway')),
    );
  }
  return rules;
}
