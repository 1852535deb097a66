/** Where the MCP service (streamable HTTP) is served. */
export const MCP_PATH = '/ucp/mcp';
