#!/usr/bin/env node
// Compares two CDK cloud assemblies (cdk.out folders) stack by stack with the CDK's own diff
// engine, @aws-cdk/cloudformation-diff (what `cdk diff` uses), and prints a JSON change summary.
// `fleetctl diff` synthesizes both sides and renders this JSON for the terminal and for PRs.
//
//   node tools/diff/diff.js <base cdk.out> <head cdk.out> [--envs staging,production] [--out FILE]
//
// Output (one object per stack present on either side, sorted by stack name):
//
//   {"version": 1, "stacks": [{
//     "stack": "tenant-acme-health-production", "environment": "aws://333333333333/eu-west-1",
//     "status": "added" | "removed" | "changed" | "unchanged",
//     "tenant": "acme-health", "tenantEnvironment": "production",   // tenant-<id>-<env> stacks only
//     "resources": [{"logicalId": "...", "type": "AWS::ECS::Service",
//                    "change": "added" | "removed" | "modified",
//                    "impact": "WILL_CREATE" | "WILL_UPDATE" | "WILL_REPLACE" | "MAY_REPLACE" |
//                              "WILL_DESTROY" | "WILL_ORPHAN" | ...,
//                    "properties": [{"name": "DesiredCount", "impact": "WILL_UPDATE"}]}],
//     "outputs": [{"name": "...", "change": "added" | "removed" | "modified"}],
//     "securityChanges": false                 // IAM statements or security group rules changed
//   }]}
//
// Ignored, so a summary shows only what CloudFormation would change: the CDKMetadata resource
// (and its condition), and the aws:asset:* and aws:cdk:path keys of resource Metadata.
'use strict';

const fs = require('fs');
const path = require('path');

let cfnDiff;
try {
  cfnDiff = require('@aws-cdk/cloudformation-diff');
} catch (err) {
  process.stderr.write(`diff.js: cannot load @aws-cdk/cloudformation-diff (${err.message}); run \`make setup\`\n`);
  process.exit(2);
}

function usage(msg) {
  process.stderr.write(`diff.js: ${msg}\nusage: node tools/diff/diff.js <base-assembly> <head-assembly> [--envs a,b] [--out FILE]\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = { dirs: [], envs: [], out: '' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--envs') {
      opts.envs = (argv[++i] || '').split(',').map((s) => s.trim()).filter(Boolean);
    } else if (a === '--out') {
      opts.out = argv[++i] || usage('--out needs a file');
    } else if (a.startsWith('--')) {
      usage(`unknown flag ${a}`);
    } else {
      opts.dirs.push(a);
    }
  }
  if (opts.dirs.length !== 2) usage('need exactly two assembly folders');
  return opts;
}

// readAssembly returns a Map "environment stackName" → {stack, environment, template}, following
// nested assemblies (CDK Pipelines stages) so their stacks count too.
function readAssembly(dir, into = new Map()) {
  const manifestPath = path.join(dir, 'manifest.json');
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  } catch (err) {
    throw new Error(`${manifestPath}: not a cloud assembly (${err.message})`);
  }
  for (const [id, art] of Object.entries(manifest.artifacts || {})) {
    const props = art.properties || {};
    if (art.type === 'cdk:cloud-assembly') {
      readAssembly(path.join(dir, props.directoryName), into);
      continue;
    }
    if (art.type !== 'aws:cloudformation:stack') continue;
    const stack = props.stackName || art.displayName || id;
    const environment = art.environment || '';
    const templatePath = path.join(dir, props.templateFile);
    const template = JSON.parse(fs.readFileSync(templatePath, 'utf8'));
    into.set(`${environment} ${stack}`, { stack, environment, template: scrub(template) });
  }
  return into;
}

// scrub drops what never reaches a deployed resource: CDK version reporting and the asset and
// construct-path metadata (asset hashes differ between builds without any real change).
function scrub(template) {
  const t = JSON.parse(JSON.stringify(template));
  for (const [logicalId, res] of Object.entries(t.Resources || {})) {
    if (logicalId === 'CDKMetadata' || res.Type === 'AWS::CDK::Metadata') {
      delete t.Resources[logicalId];
      continue;
    }
    if (res.Metadata && typeof res.Metadata === 'object') {
      for (const key of Object.keys(res.Metadata)) {
        if (key.startsWith('aws:asset:') || key === 'aws:cdk:path') delete res.Metadata[key];
      }
      if (Object.keys(res.Metadata).length === 0) delete res.Metadata;
    }
  }
  if (t.Conditions) {
    delete t.Conditions.CDKMetadataAvailable;
    if (Object.keys(t.Conditions).length === 0) delete t.Conditions;
  }
  return t;
}

// tenantOf parses tenant-<id>-<env>; with known environment names the longest matching suffix
// wins (an id may contain dashes), otherwise the last dash-separated word is the environment.
function tenantOf(stack, envs) {
  if (!stack.startsWith('tenant-')) return null;
  const rest = stack.slice('tenant-'.length);
  const known = [...envs].sort((a, b) => b.length - a.length).find((e) => rest.endsWith(`-${e}`) && rest.length > e.length + 1);
  if (known) return { tenant: rest.slice(0, rest.length - known.length - 1), environment: known };
  const i = rest.lastIndexOf('-');
  if (i <= 0) return null;
  return { tenant: rest.slice(0, i), environment: rest.slice(i + 1) };
}

function resourceChanges(diff) {
  const out = [];
  diff.resources.forEachDifference((logicalId, change) => {
    if (!change.isDifferent) return;
    let kind = 'modified';
    if (change.isAddition) kind = 'added';
    else if (change.isRemoval) kind = 'removed';
    const properties = [];
    if (kind === 'modified') {
      for (const [name, p] of Object.entries(change.propertyUpdates)) {
        if (p.isDifferent) properties.push({ name, impact: p.changeImpact || cfnDiff.ResourceImpact.WILL_UPDATE });
      }
      for (const [name, d] of Object.entries(change.otherChanges)) {
        if (d.isDifferent) properties.push({ name: `(${name})`, impact: cfnDiff.ResourceImpact.WILL_UPDATE });
      }
      properties.sort((a, b) => a.name.localeCompare(b.name));
    }
    out.push({
      logicalId,
      type: change.resourceType || change.newResourceType || change.oldResourceType || 'UNKNOWN',
      change: kind,
      impact: change.changeImpact,
      properties,
    });
  });
  out.sort((a, b) => a.logicalId.localeCompare(b.logicalId));
  return out;
}

function outputChanges(diff) {
  const out = [];
  diff.outputs.forEachDifference((name, change) => {
    if (!change.isDifferent) return;
    out.push({ name, change: change.isAddition ? 'added' : change.isRemoval ? 'removed' : 'modified' });
  });
  out.sort((a, b) => a.name.localeCompare(b.name));
  return out;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const [base, head] = opts.dirs.map((d) => readAssembly(d));
  const keys = [...new Set([...base.keys(), ...head.keys()])];
  const stacks = [];
  for (const key of keys) {
    const before = base.get(key);
    const after = head.get(key);
    const { stack, environment } = after || before;
    const diff = cfnDiff.fullDiff(before ? before.template : {}, after ? after.template : {});
    const resources = resourceChanges(diff);
    const outputs = outputChanges(diff);
    let status = 'unchanged';
    if (!before) status = 'added';
    else if (!after) status = 'removed';
    else if (!diff.isEmpty) status = 'changed';
    const entry = { stack, environment, status };
    const t = tenantOf(stack, opts.envs);
    if (t) {
      entry.tenant = t.tenant;
      entry.tenantEnvironment = t.environment;
    }
    entry.resources = resources;
    entry.outputs = outputs;
    entry.securityChanges = Boolean(
      (diff.iamChanges && diff.iamChanges.hasChanges) || (diff.securityGroupChanges && diff.securityGroupChanges.hasChanges));
    stacks.push(entry);
  }
  stacks.sort((a, b) => a.stack.localeCompare(b.stack) || a.environment.localeCompare(b.environment));
  const json = `${JSON.stringify({ version: 1, stacks }, null, 2)}\n`;
  if (opts.out) fs.writeFileSync(opts.out, json);
  else process.stdout.write(json);
}

try {
  main();
} catch (err) {
  process.stderr.write(`diff.js: ${err.message}\n`);
  process.exit(1);
}
