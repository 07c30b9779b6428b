import * as bp from '.botpress'

export default new bp.Integration({
  register: async () => {},
  unregister: async () => {},
  handler: async () => {},
  actions: {
    createUser: async () => ({ userId: '' }),
    startHitl: async () => ({ conversationId: '' }),
    stopHitl: async () => ({}),
  },
  channels: { hitl: { messages: { text: async () => {}, image: async () => {}, audio: async () => {}, video: async () => {}, file: async () => {}, bloc: async () => {} } } },
})
