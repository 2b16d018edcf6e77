// Node 24: the node-esm scenario on Node 24.22.3 from npm (see lib.scenarioOnNode).
export default (context) => context.lib.scenarioOnNode(context, "24.22.3");
