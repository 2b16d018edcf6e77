// Node 22: the node-esm scenario on Node 22.23.5 from npm (see lib.scenarioOnNode).
export default (context) => context.lib.scenarioOnNode(context, "22.23.5");
