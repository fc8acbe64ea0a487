import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';

// axe-core's own script, injected into the page under audit. The app's Content-Security-Policy
// refuses injected scripts, so the audit runs in a context created with `bypassCSP: true`.
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The WCAG 2.1 A and AA rules the page breaks, one line per rule with the elements at fault. */
export async function wcagViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: any }).axe;
    const result = await axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    return result.violations.map(
      (violation: any) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes
          .map((node: any) => node.target.join(' '))
          .join(', ')}`,
    );
  });
  return violations;
}
