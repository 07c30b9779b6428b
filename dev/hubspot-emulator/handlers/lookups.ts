import { notFound } from '../errors'
import type { RequestContext } from '../http/context'
import type { Channel, ChannelAccount, Thread } from '../types'

export const channelOr404 = (ctx: RequestContext, channelId: string): Channel => {
  const channel = ctx.core.store.state.channels.get(channelId)
  if (!channel) throw notFound(`Channel ${channelId} was not found.`)
  return channel
}

export const accountOr404 = (ctx: RequestContext, channel: Channel, accountId: string, includeArchived = false): ChannelAccount => {
  const account = ctx.core.store.state.channelAccounts.get(accountId)
  if (!account || account.channelId !== channel.id || (account.archived && !includeArchived)) {
    throw notFound(`Channel account ${accountId} was not found on channel ${channel.id}.`)
  }
  return account
}

export const threadOr404 = (ctx: RequestContext, threadId: string, includeArchived = false): Thread => {
  const thread = ctx.core.store.state.threads.get(threadId)
  if (!thread || (thread.archived && !includeArchived)) throw notFound(`Thread ${threadId} was not found.`)
  return thread
}
