// Checks the generated Backstage templates the way Backstage would take them:
//
//  1. every entity (catalog-info.yaml and the templates it lists) passes the
//     catalog's entity policies and its kind's validator, both from
//     Backstage's published packages;
//  2. for each set of sample answers in testdata/<template>/, the answers
//     pass the form's JSON Schema (with the form's defaults filled in, as
//     the form does), and the claim is rendered with nunjucks, configured
//     as the scaffolder configures it, from the skeleton (pull request) and
//     from the kube:apply manifest; the two must be the same claim.
//
// The rendered claims are written to OUT_DIR, for crossplane beta validate
// to check against the XRDs. Usage: node check.mjs <backstage dir> <out dir>
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import nunjucks from 'nunjucks';
import Ajv from 'ajv';
import {
  DefaultNamespaceEntityPolicy,
  EntityPolicies,
  FieldFormatEntityPolicy,
  NoForeignRootFieldsEntityPolicy,
  SchemaValidEntityPolicy,
  locationEntityV1alpha1Validator,
} from '@backstage/catalog-model';
import { templateEntityV1beta3Validator } from '@backstage/plugin-scaffolder-common';

const [root, outDir] = process.argv.slice(2);
if (!root || !outDir) {
  console.error('usage: node check.mjs <backstage dir> <out dir>');
  process.exit(2);
}
const here = path.dirname(new URL(import.meta.url).pathname);
let failures = 0;
const fail = msg => {
  failures++;
  console.error(`FAIL ${msg}`);
};

// The policies the catalog applies to every entity it ingests.
const policy = EntityPolicies.allOf([
  new DefaultNamespaceEntityPolicy(),
  new NoForeignRootFieldsEntityPolicy(),
  new FieldFormatEntityPolicy(),
  new SchemaValidEntityPolicy(),
]);

async function validateEntity(file, validator) {
  const entity = yaml.load(fs.readFileSync(file, 'utf8'));
  try {
    const out = await policy.enforce(structuredClone(entity));
    if (!out) throw new Error('rejected by the entity policies');
    if (!(await validator.check(out))) {
      throw new Error(`not a ${entity.apiVersion} ${entity.kind}`);
    }
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
  return entity;
}

// The scaffolder renders ${{ }} with nunjucks, without autoescaping.
const env = new nunjucks.Environment(null, {
  autoescape: false,
  tags: { variableStart: '${{', variableEnd: '}}' },
});

const location = await validateEntity(path.join(root, 'catalog-info.yaml'), locationEntityV1alpha1Validator);
fs.mkdirSync(outDir, { recursive: true });
let rendered = 0;
for (const target of location.spec.targets) {
  const file = path.join(root, target);
  if (!fs.existsSync(file)) {
    fail(`catalog-info.yaml lists ${target}, which does not exist`);
    continue;
  }
  const template = await validateEntity(file, templateEntityV1beta3Validator);
  const name = template.metadata.name;
  const casesDir = path.join(here, 'testdata', name);
  const cases = fs.existsSync(casesDir) ? fs.readdirSync(casesDir).filter(f => f.endsWith('.yaml')).sort() : [];
  if (cases.length === 0) {
    fail(`${name}: no sample answers in ${casesDir}`);
    continue;
  }
  const skeleton = fs.readFileSync(path.join(path.dirname(file), 'skeleton', 'claim.yaml'), 'utf8');
  const fetch = template.spec.steps.find(s => s.action === 'fetch:template');
  const apply = template.spec.steps.find(s => s.action === 'kube:apply');
  if (!fetch || !apply) {
    fail(`${name}: want a fetch:template and a kube:apply step`);
    continue;
  }
  for (const c of cases) {
    const where = `${name}/${c}`;
    const parameters = yaml.load(fs.readFileSync(path.join(casesDir, c), 'utf8'));
    // Each page validates the answers on its own, as the form does.
    const ajv = new Ajv({ strict: false, useDefaults: true, allErrors: true });
    for (const page of template.spec.parameters) {
      const validate = ajv.compile(page);
      if (!validate(parameters)) {
        fail(`${where}: page "${page.title}" rejects the answers: ${ajv.errorsText(validate.errors)}`);
      }
    }
    // fetch:template's values are single expressions, so they keep their type.
    const values = {};
    for (const [k, expr] of Object.entries(fetch.input.values)) {
      const m = /^\$\{\{\s*parameters\.(\w+)\s*\}\}$/.exec(expr);
      if (!m) {
        fail(`${where}: fetch:template value ${k} is not a parameter: ${expr}`);
        continue;
      }
      values[k] = parameters[m[1]];
    }
    const fromSkeleton = env.renderString(skeleton, { values });
    const fromApply = env.renderString(apply.input.manifest, { parameters });
    const a = yaml.load(fromSkeleton);
    const b = yaml.load(fromApply);
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      fail(`${where}: the pull request and kube:apply write different claims:\n${fromSkeleton}\n---\n${fromApply}`);
    }
    if (a.metadata.name !== parameters.name || a.metadata.namespace !== parameters.namespace) {
      fail(`${where}: the claim is not ${parameters.namespace}/${parameters.name}`);
    }
    fs.writeFileSync(path.join(outDir, `${name}-${c}`), yaml.dump(a));
    rendered++;
  }
}
if (failures > 0) {
  console.error(`${failures} failure(s)`);
  process.exit(1);
}
console.log(`templates valid; ${rendered} claims rendered into ${outDir}`);
