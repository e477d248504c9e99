// Stand-in for @temporalio/worker/lib/workflow/bundler.js in the single executable (deploy/build.ts).
// The real module pulls in webpack and swc and resolves files next to itself at load time; the packaged
// rig never bundles workflow code at run time, it runs the workflow bundle built by `make build`
// (dist/workflows.bundle.js, unpacked beside the other resources). Names the worker reads are kept.
'use strict';

function unavailable() {
  throw new Error(
    'rig: bundling Temporal workflow code is not available in the packaged binary; it runs the workflow ' +
      'bundle built by `make build` (or the file named by FLUXRIG_WORKFLOW_BUNDLE)',
  );
}

exports.defaultWorkflowInterceptorModules = [];
exports.allowedBuiltinModules = ['assert', 'url', 'util'];
exports.disallowedBuiltinModules = [];
exports.disallowedModules = [];
exports.moduleMatches = () => false;
exports.bundleWorkflowCode = async () => unavailable();
exports.WorkflowCodeBundler = class WorkflowCodeBundler {
  constructor() {
    unavailable();
  }
};
